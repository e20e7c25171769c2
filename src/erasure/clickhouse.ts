import { ccvTimesFill, ccvViewsSelect, num, p, sql, type Ident, type Sql, type Store } from "../store/index.ts";
import type { ErasureStore } from "./stores.ts";

/** What a user left in `events`: the views they played and the stream sequences of their events. */
export interface Footprint {
  viewIds: string[];
  seqs: number[];
}

export async function footprintOf(store: Store, userId: string): Promise<Footprint> {
  const rows = await store.select<{ view_id: string; stream_seq: unknown }>(
    sql`SELECT DISTINCT view_id, stream_seq FROM ${store.db}.events WHERE user_id = ${p.str(userId)}`,
  );
  return {
    viewIds: [...new Set(rows.map((r) => r.view_id))],
    seqs: [...new Set(rows.map((r) => num(r.stream_seq)).filter((s) => s > 0))].sort((a, b) => a - b),
  };
}

/** The tables that name a user in a `user_id` column. */
export const USER_TABLES = ["events", "rec_events", "view_facts"] as const;

/**
 * The deletes of one user, per store: `ALTER TABLE ... DELETE` mutations, which ClickHouse 18.16
 * and current releases both run (asynchronously: see `mutationsDone`). The concurrency tables
 * have no user column: their rows of the user's views go, and `refillConcurrency` writes back
 * what other users' events (a shared view id) put there.
 */
export function deletesOf(db: Ident, userId: string, viewIds: readonly string[]): Record<string, Sql[]> {
  const u = p.str(userId);
  const views = p.strs(viewIds);
  const byUser = (t: string) => [sql`ALTER TABLE ${{ ident: `${db.ident}.${t}` }} DELETE WHERE user_id = ${u}`];
  return {
    events: byUser("events"),
    rec_events: byUser("rec_events"),
    view_facts: byUser("view_facts"),
    concurrency:
      viewIds.length === 0
        ? []
        : [
            sql`ALTER TABLE ${db}.ccv_views DELETE WHERE has(${views}, view_id)`,
            sql`ALTER TABLE ${db}.ccv_times DELETE WHERE has(${views}, view_id)`,
          ],
    // Refused input is kept verbatim: a row goes when its payload holds the id as a JSON string.
    quarantine: [
      sql`ALTER TABLE ${db}.quarantine DELETE WHERE position(payload, ${p.str(JSON.stringify(userId))}) > 0`,
    ],
  } satisfies Record<Exclude<ErasureStore, "stream">, Sql[]>;
}

/** The tables whose mutations an erasure waits for. */
export const MUTATED_TABLES = ["events", "rec_events", "view_facts", "ccv_views", "ccv_times", "quarantine"];

/** Whether every mutation on those tables has finished (`system.mutations`, 18.16 and current). */
export async function mutationsDone(store: Store): Promise<boolean> {
  const rows = await store.select<{ n: unknown }>(
    sql`SELECT count() AS n FROM system.mutations
      WHERE database = ${p.str(store.db.ident)} AND has(${p.strs(MUTATED_TABLES)}, table) AND is_done = 0`,
  );
  return num(rows[0]?.n) === 0;
}

/**
 * Writes back the concurrency rows that other users' events give the erased user's views (a view
 * id two users sent): the same selects as migrations 4 and 6, limited to those views, from
 * `events` once the user's rows are gone. Readers take a min per view and the union of the times'
 * covers, so a row written again changes nothing.
 */
export function refillConcurrency(db: Ident, userId: string, viewIds: readonly string[]): Sql[] {
  if (viewIds.length === 0) return [];
  const where = sql`has(${p.strs(viewIds)}, view_id) AND user_id != ${p.str(userId)}`;
  return [sql`INSERT INTO ${db}.ccv_views ${ccvViewsSelect(db, where)}`, ccvTimesFill(db, where)];
}

/** Rows still naming the user, per user table (0 everywhere once the mutations are done). */
export async function remainingRows(store: Store, userId: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of USER_TABLES) {
    const rows = await store.select<{ n: unknown }>(
      sql`SELECT count() AS n FROM ${{ ident: `${store.db.ident}.${t}` }} WHERE user_id = ${p.str(userId)}`,
    );
    out[t] = num(rows[0]?.n);
  }
  return out;
}
