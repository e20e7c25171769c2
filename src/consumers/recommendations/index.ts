import { ok, type ConsumerHandler } from "../../bus/index.ts";
import { poisonGuard, readFailureOutcome, type PoisonSink } from "../../dlq/index.ts";
import { createEventReader, isVideoEvent, traceIdOf, type SchemaRegistry, type Upcaster } from "../../events/index.ts";
import type { Store } from "../../store/index.ts";

/** One row of `rec_events`: what the recommender needs of a play event. */
export interface RecRow {
  id: string;
  type: string;
  ts: number;
  ts_ms: number;
  received_ms: number;
  stored_ms: number;
  user_id: string;
  view_id: string;
  video_id: string;
  position_ms: number;
  played_ms: number;
  duration_ms: number;
  trace_id: string;
}

export interface RecommendationsDeps {
  store: Store;
  now?: () => number;
  registry?: SchemaRegistry;
  upcasters?: readonly Upcaster[];
  poison?: PoisonSink;
}

/**
 * The recommendations consumer (`user.video.*`): keeps each user's views, from which the
 * query side derives what a user watched, co-watch similarity and trending. Events are upcast
 * to the latest version of their type first.
 */
export function createRecommendationsConsumer(deps: RecommendationsDeps): ConsumerHandler<RecRow> {
  const read = createEventReader({
    ...(deps.registry ? { registry: deps.registry } : {}),
    ...(deps.upcasters ? { upcasters: deps.upcasters } : {}),
  });
  const now = deps.now ?? Date.now;
  const guard = poisonGuard<RecRow>("recommendations", deps.poison);
  return {
    name: "recommendations",
    prepare(msg) {
      const r = read(msg.data);
      if (!r.ok) return readFailureOutcome(r.kind, r.error, msg);
      const e = r.event;
      if (!isVideoEvent(e)) return readFailureOutcome("invalid", `recommendations does not handle ${e.type}`, msg);
      const tsMs = Date.parse(e.timestamp);
      const row: RecRow = {
        id: e.id,
        type: e.type,
        ts: Math.floor(tsMs / 1000),
        ts_ms: tsMs,
        received_ms: e.received_at,
        stored_ms: 0,
        user_id: e.user_id,
        view_id: e.view_id,
        video_id: e.video_id,
        position_ms: e.position_ms,
        played_ms: e.played_ms ?? 0,
        duration_ms: e.duration_ms ?? 0,
        trace_id: traceIdOf(msg.header("traceparent")),
      };
      return ok([guard.track(row, msg)]);
    },
    async write(rows) {
      const storedMs = now();
      for (const r of rows) r.stored_ms = storedMs;
      await guard.write(rows, (rs) => deps.store.insert("rec_events", rs));
    },
  };
}
