export { pseudonymize, userIdMapper } from "./pseudonymize.ts";
export type { PrivacyConfig } from "./pseudonymize.ts";
export { sweepOnce, startRetentionSweeps } from "./retention.ts";
export type { RetentionSweeps } from "./retention.ts";
