import { deadLetter, ok, type ConsumerHandler } from "../../bus/index.ts";
import { decodeQuarantineRecord, toWellFormed as wf } from "../../events/index.ts";
import { insertGroups, type Store } from "../../store/index.ts";

/** One row of `quarantine`. */
export interface QuarantineRow {
  id: string;
  received: number;
  received_ms: number;
  kind: string;
  reason: string;
  item_index: number;
  event_id: string;
  event_type: string;
  content_type: string;
  payload: string;
  payload_bytes: number;
  truncated: number;
  stored_ms: number;
}

/**
 * Text in a record echoes bad input and may hold unpaired surrogates, which ClickHouse refuses;
 * they become U+FFFD so one bad request can never block this consumer.
 *
 * The quarantine consumer (`quarantine.>` in the `<STREAM>_QUARANTINE` stream, durable
 * `quarantine`, run by the analytics role): each rejected-at-the-edge record becomes one row of
 * `quarantine`.
 */
export function createQuarantineConsumer(deps: { store: Store; now?: () => number }): ConsumerHandler<QuarantineRow> {
  const now = deps.now ?? Date.now;
  return {
    name: "quarantine",
    prepare(msg) {
      const d = decodeQuarantineRecord(msg.data);
      if (!d.ok) return deadLetter(`undecodable: ${d.error}`);
      const r = d.record;
      return ok([
        {
          id: wf(r.id),
          received: Math.floor(r.received_ms / 1000),
          received_ms: r.received_ms,
          kind: wf(r.kind),
          reason: wf(r.reason),
          item_index: r.item_index,
          event_id: wf(r.event_id),
          event_type: wf(r.event_type),
          content_type: wf(r.content_type),
          payload: wf(r.payload),
          payload_bytes: r.payload_bytes,
          truncated: r.truncated ? 1 : 0,
          stored_ms: 0,
        },
      ]);
    },
    async write(batch) {
      const storedMs = now();
      for (const { rows } of batch) for (const r of rows) r.stored_ms = storedMs;
      return insertGroups(deps.store, "quarantine", batch);
    },
  };
}
