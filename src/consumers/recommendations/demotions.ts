import type { ConsumerHandler, MessageRows, Refused } from "../../bus/index.ts";
import { deadLetter, ok } from "../../bus/index.ts";
import type { Store } from "../../store/index.ts";

/** One row of `rec_demotions`: the latest state of one title's alert where it fails (docs/alerts.md#demotion). */
export interface DemotionRow {
  rule_id: string;
  video_id: string;
  /** `cdn`, `country`, …: where the title fails; "" when it fails everywhere (the rule splits by title alone). */
  dimension: string;
  value: string;
  state: "firing" | "resolved";
  /** When the state began: `resolved_at` or `fired_at`; readers take the state of the latest. */
  changed_ms: number;
  event_id: string;
}

/** The fields of an alert event (docs/events.md, "Analytics events") demotion reads. */
interface AlertFields {
  id?: unknown;
  rule_id?: unknown;
  key?: { dimension?: unknown; value?: unknown };
  state?: unknown;
  video_id?: unknown;
  fired_at?: unknown;
  resolved_at?: unknown;
}

const str = (v: unknown): v is string => typeof v === "string";

/**
 * An alert event as a demotion row, or why it is none. Alerts that name no title (a rule split
 * by CDN or country alone, or not split) demote nothing: `[]`.
 */
export function demotionOf(e: AlertFields): DemotionRow[] | string {
  const { id, rule_id, key, state, video_id } = e;
  if (!str(id) || !str(rule_id) || (state !== "firing" && state !== "resolved"))
    return "alert event without id, rule_id or a state of firing or resolved";
  if (!str(video_id) || video_id === "") return [];
  const changed = Date.parse(String(state === "resolved" ? e.resolved_at : e.fired_at));
  if (!Number.isFinite(changed))
    return `alert event ${id}: no valid ${state === "resolved" ? "resolved_at" : "fired_at"}`;
  const dimension = str(key?.dimension) && key.dimension !== "video_id" ? key.dimension : "";
  const value = dimension === "" ? "" : str(key?.value) ? key.value : "";
  return [{ rule_id, video_id, dimension, value, state, changed_ms: changed, event_id: id }];
}

/**
 * The recommendations role's second durable, on the alert events (`analytics.alert.>`): each
 * fired or resolved alert that names a title becomes a row of `rec_demotions`, which the
 * recommendations answer reads (src/query/demotions.ts). Rows are idempotent: written twice,
 * the latest state per key is the same.
 *
 * @example
 * startConsumeLoop({ bus, stream: alertStream, handler: createDemotionHandler({ store }), … });
 */
export function createDemotionHandler(deps: { store: Store }): ConsumerHandler<DemotionRow> {
  return {
    name: "recommendations-alerts",
    prepare(msg) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(new TextDecoder().decode(msg.data));
      } catch {
        return deadLetter("alert event is not JSON");
      }
      const rows = demotionOf(typeof parsed === "object" && parsed !== null ? parsed : {});
      return typeof rows === "string" ? deadLetter(rows) : ok(rows);
    },
    async write<G extends MessageRows<DemotionRow>>(batch: readonly G[]): Promise<Refused<G>[]> {
      const rows = batch.flatMap((b) => b.rows);
      if (rows.length > 0) await deps.store.insert("rec_demotions", rows);
      return [];
    },
  };
}
