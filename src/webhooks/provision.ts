import { AckPolicy, DeliverPolicy, jetstreamManager } from "@nats-io/jetstream";
import { nanos, type NatsConnection } from "@nats-io/transport-node";
import { webhookEndpoint } from "./handler.ts";
import type { AlertSource, WebhookSettings } from "./settings.ts";

/**
 * One durable per configured endpoint on the alert subjects, so each endpoint has its own
 * cursor: a dead endpoint delays only its own deliveries. `max_deliver` is left unlimited: the
 * handler dead-letters after `maxAttempts` itself. New durables start at new alerts (an endpoint
 * added later is not sent the history). Idempotent.
 *
 * @example
 * await provisionWebhooks(nc, { stream: "PLAYPULSE_ANALYTICS", filterSubject: "analytics.alert.>" }, settings, 60_000);
 */
export async function provisionWebhooks(
  nc: NatsConnection,
  source: AlertSource,
  settings: Pick<WebhookSettings, "urls" | "timeoutMs">,
  ackWaitMs: number,
): Promise<void> {
  if (settings.urls.length === 0) return;
  const jsm = await jetstreamManager(nc, { timeout: 10_000 });
  for (const url of settings.urls) {
    const name = `webhooks-${webhookEndpoint(url).id}`;
    const existing = await jsm.consumers.info(source.stream, name).catch(() => undefined);
    if (existing !== undefined) continue;
    await jsm.consumers.add(source.stream, {
      durable_name: name,
      filter_subject: source.filterSubject,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.New,
      // An attempt may take the whole timeout; the ack must not expire meanwhile.
      ack_wait: nanos(Math.max(ackWaitMs, settings.timeoutMs * 2)),
      // One delivery in hand at a time: in order, and a retried delivery's redeliveries are its own
      // attempts (a nak of messages waiting behind it would count as their attempts too).
      max_ack_pending: 1,
      max_deliver: -1,
    });
  }
}
