import type { Store } from "./client.ts";
import { ident, sql } from "./sql.ts";

/** Concurrent viewers are counted at instants this many seconds apart: their resolution. */
export const CCV_BUCKET_SECONDS = 5;

/**
 * Concurrent viewers read `ccv_times` and `ccv_views` (migrations 6 and 4), whatever the window.
 * Releases before them kept one presence table per window, `ccv_presence_w<W>`, filled by a
 * materialized view on every insert into `events`: this drops that view and its table for the
 * configured window, so inserts stop paying for them. Both are derived from `events`; nothing is
 * lost. Idempotent; `provisionAll` runs it after the migrations.
 *
 * @example
 * await ensureCcvTables(store, 25); // drops ccv_presence_w25_mv and ccv_presence_w25 if they exist
 */
export async function ensureCcvTables(store: Store, windowSeconds: number): Promise<void> {
  if (!Number.isSafeInteger(windowSeconds) || windowSeconds < CCV_BUCKET_SECONDS)
    throw new RangeError(`the CCV window must be a whole number of seconds >= ${CCV_BUCKET_SECONDS}`);
  const table = `${store.db.ident}.ccv_presence_w${windowSeconds}`;
  await store.command(sql`DROP TABLE IF EXISTS ${ident(`${table}_mv`)}`);
  await store.command(sql`DROP TABLE IF EXISTS ${ident(table)}`);
}
