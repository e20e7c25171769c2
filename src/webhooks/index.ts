export { signWebhook, verifyWebhook, WEBHOOK_HEADERS, SIGNATURE_TOLERANCE_SECONDS } from "./signature.ts";
export type { Verification } from "./signature.ts";
export { deliverWebhook } from "./deliver.ts";
export type { DeliveryAttempt, DeliveryResult } from "./deliver.ts";
export { createWebhookHandler, webhookEndpoint } from "./handler.ts";
export type { WebhookEndpoint } from "./handler.ts";
export { provisionWebhooks } from "./provision.ts";
export { startWebhookLoops } from "./start.ts";
export type { WebhookSettings, AlertSource } from "./settings.ts";
