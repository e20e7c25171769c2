import { deadLetter, ok, type ConsumerHandler } from "../../bus/index.ts";
import { createValidator, decodeStoredEvent, isVideoEvent, traceIdOf } from "../../events/index.ts";
import type { Store } from "../../store/index.ts";

/** One row of `rec_events`: what the recommender needs of a play event. */
export interface RecRow {
  id: string;
  type: string;
  ts: number;
  ts_ms: number;
  stored_ms: number;
  user_id: string;
  view_id: string;
  video_id: string;
  position_ms: number;
  played_ms: number;
  duration_ms: number;
  trace_id: string;
}

/**
 * The recommendations consumer (`user.video.*`): keeps each user's views, from which the
 * query side derives what a user watched, co-watch similarity and trending.
 */
export function createRecommendationsConsumer(deps: { store: Store; now?: () => number }): ConsumerHandler<RecRow> {
  const validate = createValidator({ maxFutureMs: Number.POSITIVE_INFINITY });
  const now = deps.now ?? Date.now;
  return {
    name: "recommendations",
    prepare(msg) {
      const d = decodeStoredEvent(msg.data, validate);
      if (!d.ok) return deadLetter(d.error);
      const e = d.event;
      if (!isVideoEvent(e)) return deadLetter(`recommendations does not handle ${e.type}`);
      const tsMs = Date.parse(e.timestamp);
      return ok([
        {
          id: e.id,
          type: e.type,
          ts: Math.floor(tsMs / 1000),
          ts_ms: tsMs,
          stored_ms: 0,
          user_id: e.user_id,
          view_id: e.view_id,
          video_id: e.video_id,
          position_ms: e.position_ms,
          played_ms: e.played_ms ?? 0,
          duration_ms: e.duration_ms ?? 0,
          trace_id: traceIdOf(msg.header("traceparent")),
        },
      ]);
    },
    async write(rows) {
      const storedMs = now();
      for (const r of rows) r.stored_ms = storedMs;
      await deps.store.insert("rec_events", rows);
    },
  };
}
