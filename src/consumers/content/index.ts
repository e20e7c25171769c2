import type { ConsumerDefinition } from "../definition.ts";

/**
 * One row of `catalog`. The newest `version` wins, whatever the arrival order. The version is the
 * server's receipt, never the client's clock (a client could date an event a day ahead and beat
 * every correction): see `catalogVersion`.
 */
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

/**
 * The catalog version of an event: the edge's receipt time (ms) × 1000 plus the stream sequence
 * modulo 1000, so two corrections received in the same millisecond are ordered by the stream.
 * Below 2^53 until the year 2255.
 */
export const catalogVersion = (receivedAt: number, streamSeq: number): number =>
  Math.trunc(receivedAt) * 1000 + (streamSeq % 1000);

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
      version: catalogVersion(e.received_at, ctx.streamSeq),
      event_id: e.id,
      received_ms: e.received_at,
      stored_ms: 0,
      trace_id: ctx.traceId,
    },
  ],
};
