export { VIDEO_EVENT_TYPES, CONTENT_EVENT_TYPES, isVideoEvent } from "./types.ts";
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
export { subjectNames, subjectMatches } from "./subjects.ts";
export {
  ALERT_EVENT_TYPES,
  EXPERIMENT_EVENT_TYPES,
  EXPERIMENT_DECISIONS,
  ANALYTICS_EVENT_TYPES,
  ALERT_EVENT_SCHEMA,
  EXPERIMENT_EVENT_SCHEMA,
  analyticsStreamName,
  analyticsWildcard,
  analyticsSubject,
} from "./analytics.ts";
export type {
  AlertEvent,
  AlertEventType,
  AnalyticsEventType,
  ExperimentEvent,
  ExperimentDecision,
} from "./analytics.ts";
export { REGION_HEADER } from "./region.ts";
export { PACK_HEADER, PACK_TRACES_HEADER, packedEvents, packedTexts, packLines, packTraces } from "./pack.ts";
export type { SubjectNames } from "./subjects.ts";
export { uuidv7 } from "./uuidv7.ts";
export { MAX_MS, describeSpec } from "./fields.ts";
export type { FieldSpec } from "./fields.ts";
export { V1_SCHEMAS, V2_SCHEMAS, SCHEMAS, ENVELOPE_FIELDS, schemaRegistry } from "./schemas.ts";
export type { EventSchema, SchemaRegistry } from "./schemas.ts";
export { createValidator, toWellFormed } from "./validate.ts";
export type { Validation, ValidatorOptions } from "./validate.ts";
export { encodeStoredEvent, storedEventText, traceIdOf } from "./codec.ts";
export { UPCASTERS, applyUpcaster, upcastBody, upcasterFor } from "./upcasters.ts";
export type { Upcaster } from "./upcasters.ts";
export { createEventReader } from "./reader.ts";
export type { CurrentEvent, EventReaderOptions, ReadFailureKind, ReadResult } from "./reader.ts";
export { checkCompatibility, formatProblem } from "./compat.ts";
export type { CompatProblem } from "./compat.ts";
export {
  QUARANTINE_KINDS,
  quarantineWildcard,
  quarantineSubject,
  quarantineStreamName,
  itemQuarantineRecords,
  bodyQuarantineRecord,
  encodeQuarantineRecord,
  decodeQuarantineRecord,
  truncateUtf8,
} from "./quarantine.ts";
export type {
  QuarantineRecord,
  QuarantineKind,
  QuarantineSink,
  QuarantineContext,
  RejectableItem,
  ItemResult,
} from "./quarantine.ts";
export {
  ERASURE_REQUESTED,
  ERASURE_REQUESTED_VERSION,
  encodeErasureRequested,
  decodeErasureRequested,
  isErasureSubject,
} from "./privacy.ts";
export type { ErasureRequested } from "./privacy.ts";
