import type { Store } from "./client.ts";
import { applyStatement } from "./migrations.ts";
import { ident, p, sql, type Ident, type Sql } from "./sql.ts";

/** Presence buckets are this many seconds apart: the resolution of concurrent viewers. */
export const CCV_BUCKET_SECONDS = 5;

/** The presence table for a window: one table per window, so changing the window never mixes two. */
export function presenceTable(db: Ident, windowSeconds: number): Ident {
  if (!Number.isSafeInteger(windowSeconds) || windowSeconds < CCV_BUCKET_SECONDS)
    throw new RangeError(`the CCV window must be a whole number of seconds >= ${CCV_BUCKET_SECONDS}`);
  return ident(`${db.ident}.ccv_presence_w${windowSeconds}`);
}

/**
 * Each event keeps its view present at every bucket t (epoch seconds, a multiple of 5) with
 * ts <= t <= ts + window: from ceil(ts / 5 s) to floor((ts + window) / 5 s). One row per
 * (bucket, view); a repeated or reordered event writes rows that are already there.
 */
function presenceSelect(db: Ident, windowSeconds: number): Sql {
  const step = p.u64(CCV_BUCKET_SECONDS * 1000);
  const first = sql`intDiv(ts_ms + ${p.u64(CCV_BUCKET_SECONDS * 1000 - 1)}, ${step})`;
  const last = sql`intDiv(ts_ms + ${p.u64(windowSeconds * 1000)}, ${step})`;
  return sql`SELECT toUInt32((${first} + arrayJoin(range(toUInt32(${last} - ${first} + 1)))) * ${p.u64(CCV_BUCKET_SECONDS)}) AS bucket,
      video_id, view_id
    FROM ${db}.events`;
}

/**
 * Creates the presence table of the configured window and the materialized view that fills it
 * from every insert into `events`; a new table is first filled from the events already stored.
 * Idempotent; `provisionAll` runs it after the migrations.
 *
 * @example
 * await ensureCcvTables(store, 25); // ccv_presence_w25 and ccv_presence_w25_mv
 */
export async function ensureCcvTables(store: Store, windowSeconds: number): Promise<void> {
  const table = presenceTable(store.db, windowSeconds);
  const existed = await store.select<{ result: unknown }>(sql`EXISTS TABLE ${table}`);
  const fresh = Number(existed[0]?.result ?? 0) === 0;
  await applyStatement(
    store,
    sql`CREATE TABLE IF NOT EXISTS ${table} (bucket UInt32, video_id String, view_id String)
      ENGINE = ReplacingMergeTree() PARTITION BY toYYYYMM(toDateTime(bucket)) ORDER BY (bucket, video_id, view_id)`,
  );
  const mv = ident(`${table.ident}_mv`);
  await applyStatement(
    store,
    sql`CREATE MATERIALIZED VIEW IF NOT EXISTS ${mv} TO ${table} AS ${presenceSelect(store.db, windowSeconds)}`,
  );
  // After the view exists, so no event falls between the two; an event written by both is one row of the set.
  if (fresh) await store.command(sql`INSERT INTO ${table} ${presenceSelect(store.db, windowSeconds)}`);
}
