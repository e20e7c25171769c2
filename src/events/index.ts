export { VIDEO_EVENT_TYPES, CONTENT_EVENT_TYPES, EVENT_TYPES, isVideoEvent } from "./types.ts";
export type {
  VideoEventType,
  ContentEventType,
  EventType,
  VideoEvent,
  ContentEvent,
  PlayEvent,
  StoredEvent,
  DeviceContext,
  ExperimentContext,
} from "./types.ts";
export { subjectNames } from "./subjects.ts";
export type { SubjectNames } from "./subjects.ts";
export { uuidv7 } from "./uuidv7.ts";
export { MAX_MS, describeSpec } from "./fields.ts";
export type { FieldSpec } from "./fields.ts";
export { V1_SCHEMAS, ENVELOPE_FIELDS, schemaRegistry } from "./schemas.ts";
export type { EventSchema, SchemaRegistry } from "./schemas.ts";
export { createValidator } from "./validate.ts";
export type { Validation, ValidatorOptions } from "./validate.ts";
export { encodeStoredEvent, decodeStoredEvent, traceIdOf } from "./codec.ts";
export type { Decoded } from "./codec.ts";
