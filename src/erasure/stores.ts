/**
 * Where a user's data lives, as the receipt of an erasure names it (docs/erasure.md):
 * - `events`: raw play events (analytics);
 * - `rec_events`: recommendation events, from which co-watch similarity, "watched" and trending
 *   are computed at read time (recommendations);
 * - `view_facts`: per-view facts per hour, minute and millisecond (derived from `events`);
 * - `concurrency`: `ccv_views` and `ccv_times` (derived from `events`, keyed by view);
 * - `quarantine`: input refused at the edge that names the user;
 * - `stream`: the user's messages in the JetStream stream.
 */
export const ERASURE_STORES = ["events", "rec_events", "view_facts", "concurrency", "quarantine", "stream"] as const;
export type ErasureStore = (typeof ERASURE_STORES)[number];

/** The row of the `erasures` table that holds the request itself. */
export const REQUEST_ROW = "request";

export interface ErasureRow {
  erasure_id: string;
  store: string;
  state: string;
  user_hash: string;
  requested_ms: number;
  suppress_until_ms: number;
  updated_ms: number;
  detail: string;
}
