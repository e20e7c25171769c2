import { AckPolicy, DeliverPolicy, jetstreamManager } from "@nats-io/jetstream";
import { nanos, type NatsConnection } from "@nats-io/transport-node";

/** The recommendations role's durable on the alert events (docs/alerts.md#demotion). */
export const DEMOTIONS_DURABLE = "recommendations-alerts";

/**
 * Creates the `recommendations-alerts` durable on the analytics stream, filtered to the alert
 * events, from the first one kept (a new deployment learns what is firing now). Idempotent.
 *
 * @example
 * await provisionDemotions(nc, { stream: "PLAYPULSE_ANALYTICS", filterSubject: "analytics.alert.>", ackWaitMs: 60_000 });
 */
export async function provisionDemotions(
  nc: NatsConnection,
  s: { stream: string; filterSubject: string; ackWaitMs: number },
): Promise<void> {
  const jsm = await jetstreamManager(nc, { timeout: 10_000 });
  if ((await jsm.consumers.info(s.stream, DEMOTIONS_DURABLE).catch(() => undefined)) !== undefined) return;
  await jsm.consumers.add(s.stream, {
    durable_name: DEMOTIONS_DURABLE,
    filter_subject: s.filterSubject,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: nanos(s.ackWaitMs),
    max_ack_pending: 1000,
    max_deliver: -1,
  });
}
