import { deadLetter, ok, type ConsumerHandler } from "../../bus/index.ts";
import { createValidator, decodeStoredEvent, isVideoEvent, traceIdOf } from "../../events/index.ts";
import type { Store } from "../../store/index.ts";

/** One row of `catalog`. The newest `version` (the event's timestamp) wins, whatever the arrival order. */
export interface CatalogRow {
  video_id: string;
  title: string;
  duration_ms: number;
  genres: string[];
  version: number;
  event_id: string;
  stored_ms: number;
  trace_id: string;
}

/** The content consumer (`video.>`): `video.encoding.completed` adds or updates a catalog title. */
export function createContentConsumer(deps: { store: Store; now?: () => number }): ConsumerHandler<CatalogRow> {
  const validate = createValidator({ maxFutureMs: Number.POSITIVE_INFINITY });
  const now = deps.now ?? Date.now;
  return {
    name: "content",
    prepare(msg) {
      const d = decodeStoredEvent(msg.data, validate);
      if (!d.ok) return deadLetter(d.error);
      const e = d.event;
      if (isVideoEvent(e)) return deadLetter(`content does not handle ${e.type}`);
      return ok([
        {
          video_id: e.video_id,
          title: e.title,
          duration_ms: e.duration_ms,
          genres: e.genres,
          version: Date.parse(e.timestamp),
          event_id: e.id,
          stored_ms: 0,
          trace_id: traceIdOf(msg.header("traceparent")),
        },
      ]);
    },
    async write(rows) {
      const storedMs = now();
      for (const r of rows) r.stored_ms = storedMs;
      await deps.store.insert("catalog", rows);
    },
  };
}
