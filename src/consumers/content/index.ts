import type { ConsumerDefinition } from "../definition.ts";

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

/** The content consumer (`video.>`): `video.encoding.completed` adds or updates a catalog title. */
export const content: ConsumerDefinition<"content", "content", CatalogRow> = {
  name: "content",
  subject: "video.>",
  takes: "content",
  table: "catalog",
  idColumn: "event_id",
  typeColumn: false,
  acceptedAt: false,
  toRows: (e, ctx) => [
    {
      video_id: e.video_id,
      title: e.title,
      duration_ms: e.duration_ms,
      genres: e.genres,
      version: Date.parse(e.timestamp),
      event_id: e.id,
      received_ms: e.received_at,
      stored_ms: 0,
      trace_id: ctx.traceId,
    },
  ],
};
