import type { StoredEvent, VideoEvent } from "../events/index.ts";

/**
 * The columns every play-event table shares: the event, its times and the view it belongs to;
 * `stored_ms` is 0 until the batch is written. A table's row class extends this one and sets its
 * own columns in its constructor, so every row of a table has one shape, with all its columns in
 * the object itself, built once. Rows built as
 * `{ ...base, …20 more columns }` cost about 100 µs and 16 KB of old-space garbage each on
 * Node 20 (V8 built each row's hidden classes anew), and `Object.assign(base, columns)` still
 * left about 2.4 KB (docs/benchmarks.md, "Round three").
 *
 * @example
 * class RecRow extends PlayRow { cdn: string; constructor(e: Event) { super(e); this.cdn = e.cdn ?? ""; } }
 */
export class PlayRow {
  id: string;
  type: string;
  ts: number;
  ts_ms: number;
  received_ms: number;
  stored_ms = 0;
  user_id: string;
  view_id: string;
  video_id: string;
  position_ms: number;

  constructor(e: StoredEvent & VideoEvent) {
    const tsMs = Date.parse(e.timestamp);
    this.id = e.id;
    this.type = e.type;
    this.ts = Math.floor(tsMs / 1000);
    this.ts_ms = tsMs;
    this.received_ms = e.received_at;
    this.user_id = e.user_id;
    this.view_id = e.view_id;
    this.video_id = e.video_id;
    this.position_ms = e.position_ms;
  }
}
