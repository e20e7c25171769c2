export { createIngestRoutes } from "./routes.ts";
export type { IngestDeps, IngestLimits, IngestObserver } from "./routes.ts";
export { planBatch, summarize } from "./plan.ts";
export type { EventResult, EventStatus, IngestResponse, Plan } from "./plan.ts";
export { readBody, requestBody, parseItems } from "./body.ts";
export type { BodyLimits, BodySource, Item } from "./body.ts";
