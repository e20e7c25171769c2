import { ok, type ConsumerHandler } from "../../bus/index.ts";
import { poisonGuard, readFailureOutcome, type PoisonSink } from "../../dlq/index.ts";
import { createEventReader, isVideoEvent, traceIdOf, type SchemaRegistry, type Upcaster } from "../../events/index.ts";
import type { Store } from "../../store/index.ts";
import { toEventRow, type EventRow } from "./rows.ts";

export type { EventRow } from "./rows.ts";
export { toEventRow } from "./rows.ts";

export interface AnalyticsDeps {
  store: Store;
  now?: () => number;
  /** The schemas and upcasters this consumer knows (the registry's by default). */
  registry?: SchemaRegistry;
  upcasters?: readonly Upcaster[];
  /** Where rows ClickHouse refuses go (the dead-letter queue); without it a refused batch is retried. */
  poison?: PoisonSink;
}

/**
 * The analytics consumer (`user.>`): every play event becomes one row of `events`, the
 * table all QoE metrics are computed from. Events are upcast to the latest version of their
 * type; `schema_version` keeps the version they were sent with, and a v2 heartbeat's
 * `stall_ms` is stored in `rebuffer_ms` like a v1 heartbeat's `rebuffer_ms`.
 *
 * @example
 * startConsumeLoop({ handler: createAnalyticsConsumer({ store }), ... });
 */
export function createAnalyticsConsumer(deps: AnalyticsDeps): ConsumerHandler<EventRow> {
  const read = createEventReader({
    ...(deps.registry ? { registry: deps.registry } : {}),
    ...(deps.upcasters ? { upcasters: deps.upcasters } : {}),
  });
  const now = deps.now ?? Date.now;
  const guard = poisonGuard<EventRow>("analytics", deps.poison);
  return {
    name: "analytics",
    prepare(msg) {
      const r = read(msg.data);
      if (!r.ok) return readFailureOutcome(r.kind, r.error, msg);
      const e = r.event;
      if (!isVideoEvent(e)) return readFailureOutcome("invalid", `analytics does not handle ${e.type}`, msg);
      const stored = { ...e, schema_version: r.sourceVersion, rebuffer_ms: e.stall_ms ?? e.rebuffer_ms };
      return ok([guard.track(toEventRow(stored, traceIdOf(msg.header("traceparent")), msg.streamSeq), msg)]);
    },
    async write(rows) {
      const storedMs = now();
      for (const r of rows) r.stored_ms = storedMs;
      await guard.write(rows, (rs) => deps.store.insert("events", rs));
    },
  };
}
