export { createCloudEventsRoutes, cloudEventsMode, MIME_CE, MIME_CE_BATCH } from "./routes.ts";
export type { CloudEventsDeps, CloudEventsMode } from "./routes.ts";
export { CloudEventV1, cloudEventHeaders, toItem } from "./map.ts";
