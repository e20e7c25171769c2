import { startConsumeLoop, type BusConnection, type ConsumeLoop } from "../bus/index.ts";
import type { Logger } from "../telemetry/logger.ts";
import { createWebhookHandler, webhookEndpoint } from "./handler.ts";
import type { AlertSource, WebhookSettings } from "./settings.ts";

export interface WebhookLoopsDeps {
  bus: BusConnection;
  logger: Logger;
  source: AlertSource;
  settings: WebhookSettings;
  /** Subject of the dead letter of a delivery of `subject` by `consumer`. */
  dlqSubject: (consumer: string, subject: string) => string;
}

/**
 * One consume loop per endpoint, over its durable (provisionWebhooks), one delivery at a time
 * in stream order. The loops stop with the role (src/shutdown.ts stops consumers).
 *
 * @example
 * const loops = startWebhookLoops({ bus, logger, source, settings, dlqSubject: subjects.dlq });
 */
export function startWebhookLoops(deps: WebhookLoopsDeps): ConsumeLoop[] {
  const { settings } = deps;
  return settings.urls.map((url) => {
    const handler = createWebhookHandler({
      endpoint: webhookEndpoint(url),
      secret: settings.secret,
      timeoutMs: settings.timeoutMs,
      maxAttempts: settings.maxAttempts,
    });
    const loop = startConsumeLoop({
      bus: deps.bus,
      stream: deps.source.stream,
      handler,
      logger: deps.logger,
      batchSize: 1,
      flushIntervalMs: 10,
      maxDeliver: settings.maxAttempts,
      dlqSubject: (subject) => deps.dlqSubject(handler.name, subject),
    });
    loop.done.catch((err: unknown) => deps.logger.error({ err, consumer: handler.name }, "webhook loop stopped"));
    return loop;
  });
}
