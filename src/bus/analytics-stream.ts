import { DiscardPolicy, jetstreamManager, RetentionPolicy, StorageType } from "@nats-io/jetstream";
import { nanos, type NatsConnection } from "@nats-io/transport-node";
import { analyticsStreamName, analyticsWildcard } from "../events/index.ts";
import { ensureStream } from "./provision.ts";

/**
 * How long JetStream remembers an analytics message id: a restart of the evaluations role within
 * this time cannot announce a state change twice (docs/alerts.md, "Exactly one announcement").
 */
export const ANALYTICS_DUPLICATE_WINDOW_MS = 24 * 3600_000;
/** How long analytics events are kept: the evaluations role restores its state from them. */
export const ANALYTICS_MAX_AGE_MS = 30 * 24 * 3600_000;

/**
 * Creates or updates `<STREAM>_ANALYTICS` on `analytics.>` (with the deployment prefix): the
 * state changes the evaluations role announces. Small (one message per change), kept 30 days,
 * with a 24 h duplicate window. Idempotent.
 *
 * @example
 * await provisionAnalyticsStream(nc, { name: "PLAYPULSE", prefix: "", replicas: 1 });
 */
export async function provisionAnalyticsStream(
  nc: NatsConnection,
  s: { name: string; prefix: string; replicas: number },
): Promise<void> {
  const jsm = await jetstreamManager(nc, { timeout: 10_000 });
  await ensureStream(jsm, {
    name: analyticsStreamName(s.name),
    subjects: [analyticsWildcard(s.prefix)],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    max_age: nanos(ANALYTICS_MAX_AGE_MS),
    duplicate_window: nanos(ANALYTICS_DUPLICATE_WINDOW_MS),
    num_replicas: s.replicas,
  });
}
