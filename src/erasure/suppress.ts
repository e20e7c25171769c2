import type { MessageRows } from "../bus/index.ts";
import { p, sql, type Store } from "../store/index.ts";
import { userHashOf } from "./ids.ts";
import { REQUEST_ROW } from "./stores.ts";

/** The user ids among `userIds` whose erasure still suppresses their events at `nowMs`. */
export async function erasedUsers(store: Store, userIds: readonly string[], nowMs: number): Promise<Set<string>> {
  if (userIds.length === 0) return new Set();
  const byHash = new Map(userIds.map((u) => [userHashOf(u), u]));
  const rows = await store.select<{ user_hash: string }>(
    sql`SELECT user_hash FROM ${store.db}.erasures
      WHERE store = ${p.str(REQUEST_ROW)} AND has(${p.strs([...byHash.keys()])}, user_hash)
      GROUP BY user_hash HAVING max(suppress_until_ms) > ${p.u64(nowMs)}`,
  );
  const out = new Set<string>();
  for (const r of rows) {
    const u = byHash.get(r.user_hash);
    if (u !== undefined) out.add(u);
  }
  return out;
}

const userOf = (row: unknown): string | undefined => {
  const u = (row as { user_id?: unknown }).user_id;
  return typeof u === "string" ? u : undefined;
};

/** The distinct user ids the rows of a batch name (catalog rows name none). */
export function usersOf<R>(batch: readonly MessageRows<R>[]): string[] {
  const out = new Set<string>();
  for (const g of batch) for (const r of g.rows) if (userOf(r) !== undefined) out.add(userOf(r) as string);
  return [...out];
}

/** Whether `row` names a user among `erased`. */
const namesErased = (row: unknown, erased: ReadonlySet<string>): boolean => {
  const u = userOf(row);
  return u !== undefined && erased.has(u);
};

/**
 * The events of erased users among the suppressed messages: their rows naming an erased user (a
 * play table stores one row per event). A packed message's other users' events are not counted:
 * analytics republishes them without the erased users, and every consumer stores them from there.
 */
export function erasedEventsOf(groups: readonly MessageRows<unknown>[], erased: ReadonlySet<string>): number {
  let n = 0;
  for (const g of groups) for (const r of g.rows) if (namesErased(r, erased)) n++;
  return n;
}

/** Splits a batch: the messages to store, and those whose rows name an erased user (not stored). */
export function splitSuppressed<G extends MessageRows<unknown>>(
  batch: readonly G[],
  erased: ReadonlySet<string>,
): { keep: G[]; suppressed: G[] } {
  const keep: G[] = [];
  const suppressed: G[] = [];
  for (const g of batch) {
    (g.rows.some((r) => namesErased(r, erased)) ? suppressed : keep).push(g);
  }
  return { keep, suppressed };
}
