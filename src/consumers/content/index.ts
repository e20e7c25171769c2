import { ok, type ConsumerHandler } from "../../bus/index.ts";
import { poisonGuard, readFailureOutcome, type PoisonSink } from "../../dlq/index.ts";
import { createEventReader, isVideoEvent, traceIdOf, type SchemaRegistry, type Upcaster } from "../../events/index.ts";
import type { Store } from "../../store/index.ts";

/** One row of `catalog`. The newest `version` (the event's timestamp) wins, whatever the arrival order. */
export interface CatalogRow {
  video_id: string;
  title: string;
  duration_ms: number;
  genres: string[];
  version: number;
  event_id: string;
  received_ms: number;
  stored_ms: number;
  trace_id: string;
}

export interface ContentDeps {
  store: Store;
  now?: () => number;
  registry?: SchemaRegistry;
  upcasters?: readonly Upcaster[];
  poison?: PoisonSink;
}

/** The content consumer (`video.>`): `video.encoding.completed` adds or updates a catalog title. */
export function createContentConsumer(deps: ContentDeps): ConsumerHandler<CatalogRow> {
  const read = createEventReader({
    ...(deps.registry ? { registry: deps.registry } : {}),
    ...(deps.upcasters ? { upcasters: deps.upcasters } : {}),
  });
  const now = deps.now ?? Date.now;
  const guard = poisonGuard<CatalogRow>("content", deps.poison);
  return {
    name: "content",
    prepare(msg) {
      const r = read(msg.data);
      if (!r.ok) return readFailureOutcome(r.kind, r.error, msg);
      const e = r.event;
      if (isVideoEvent(e)) return readFailureOutcome("invalid", `content does not handle ${e.type}`, msg);
      const row: CatalogRow = {
        video_id: e.video_id,
        title: e.title,
        duration_ms: e.duration_ms,
        genres: e.genres,
        version: Date.parse(e.timestamp),
        event_id: e.id,
        received_ms: e.received_at,
        stored_ms: 0,
        trace_id: traceIdOf(msg.header("traceparent")),
      };
      return ok([guard.track(row, msg)]);
    },
    async write(rows) {
      const storedMs = now();
      for (const r of rows) r.stored_ms = storedMs;
      await guard.write(rows, (rs) => deps.store.insert("catalog", rs));
    },
  };
}
