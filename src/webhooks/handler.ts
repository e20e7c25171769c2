import { createHash } from "node:crypto";
import type { ConsumerHandler, MessageRows, Refused } from "../bus/index.ts";
import { ok } from "../bus/index.ts";
import { deliverWebhook, type DeliverDeps, type DeliveryAttempt } from "./deliver.ts";

/** A configured endpoint: its URL and the short id that names its durable and its deliveries. */
export interface WebhookEndpoint {
  url: string;
  id: string;
}

/** `hook-` and the first 8 hex digits of the URL's SHA-256: stable across restarts and replicas. */
export function webhookEndpoint(url: string): WebhookEndpoint {
  return { url, id: `hook-${createHash("sha256").update(url).digest("hex").slice(0, 8)}` };
}

export interface WebhookHandlerOptions extends DeliverDeps {
  endpoint: WebhookEndpoint;
  /** Attempts after which a delivery that keeps failing is dead-lettered. */
  maxAttempts: number;
}

/**
 * The consumer handler of one endpoint's durable: `prepare` makes the delivery of an alert event
 * (its id is the event's `Nats-Msg-Id` and the endpoint's id, the same on every redelivery);
 * `write` POSTs it. A failure that can be retried throws, so the consume loop naks with jittered
 * backoff and pauses (no retry storm); a final failure, or one on the last attempt, is refused,
 * so the loop dead-letters it (`playpulse dlq` lists and redrives it).
 *
 * @example
 * startConsumeLoop({ bus, stream, handler: createWebhookHandler({ endpoint, secret, timeoutMs: 10_000, maxAttempts: 8 }), batchSize: 1, … });
 */
export function createWebhookHandler(opts: WebhookHandlerOptions): ConsumerHandler<DeliveryAttempt> {
  const { endpoint } = opts;
  return {
    name: `webhooks-${endpoint.id}`,
    prepare(msg) {
      const eventId = msg.header("Nats-Msg-Id") ?? `seq-${msg.streamSeq}`;
      const body = new TextDecoder().decode(msg.data);
      const delivery = { url: endpoint.url, id: `${eventId}:${endpoint.id}`, event: msg.subject, body };
      return ok([{ ...delivery, attempt: msg.deliveryCount }]);
    },
    async write<G extends MessageRows<DeliveryAttempt>>(batch: readonly G[]): Promise<Refused<G>[]> {
      const refused: Refused<G>[] = [];
      for (const item of batch) {
        for (const attempt of item.rows) {
          const result = await deliverWebhook(attempt, opts);
          if (result.kind === "delivered") continue;
          if (result.final) refused.push({ item, reason: `webhook gave up: ${result.reason}` });
          else if (item.msg.deliveryCount >= opts.maxAttempts)
            refused.push({
              item,
              reason: `webhook gave up after ${item.msg.deliveryCount} attempts: ${result.reason}`,
            });
          else throw new Error(`webhook delivery failed: ${result.reason}`);
        }
      }
      return refused;
    },
  };
}
