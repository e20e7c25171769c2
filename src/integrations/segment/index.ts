export { createSegmentRoutes, SEGMENT_ROUTES } from "./routes.ts";
export type { SegmentDeps, SegmentObserver } from "./routes.ts";
export { createKvViewStore, memoryViewStore } from "./view-store.ts";
export type { ViewState, ViewStore } from "./view-store.ts";
export { deriveView, SPEC_KINDS } from "./derive.ts";
export type { Derived, SpecKind, ViewRecord } from "./derive.ts";
export { mapMessage, VIDEO_SPEC_EVENTS } from "./map.ts";
export { segmentMetrics } from "./metrics.ts";
export { SegmentAnswer, SegmentBatch, SegmentMessage, VideoProperties, MESSAGE_TYPES } from "./schema.ts";
