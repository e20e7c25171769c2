import { deadLetter, ok, type ConsumerHandler } from "../../bus/index.ts";
import { createValidator, decodeStoredEvent, isVideoEvent, traceIdOf } from "../../events/index.ts";
import type { Store } from "../../store/index.ts";
import { toEventRow, type EventRow } from "./rows.ts";

export type { EventRow } from "./rows.ts";
export { toEventRow } from "./rows.ts";

/**
 * The analytics consumer (`user.>`): every play event becomes one row of `events`, the
 * table all QoE metrics are computed from.
 *
 * @example
 * startConsumeLoop({ handler: createAnalyticsConsumer({ store }), ... });
 */
export function createAnalyticsConsumer(deps: { store: Store; now?: () => number }): ConsumerHandler<EventRow> {
  const validate = createValidator({ maxFutureMs: Number.POSITIVE_INFINITY });
  const now = deps.now ?? Date.now;
  return {
    name: "analytics",
    prepare(msg) {
      const d = decodeStoredEvent(msg.data, validate);
      if (!d.ok) return deadLetter(d.error);
      if (!isVideoEvent(d.event)) return deadLetter(`analytics does not handle ${d.event.type}`);
      return ok([toEventRow(d.event, traceIdOf(msg.header("traceparent")), msg.streamSeq)]);
    },
    async write(rows) {
      const storedMs = now();
      for (const r of rows) r.stored_ms = storedMs;
      await deps.store.insert("events", rows);
    },
  };
}
