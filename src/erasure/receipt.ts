import { num, p, sql, type Store } from "../store/index.ts";
import { ERASURE_STORES, REQUEST_ROW, type ErasureRow } from "./stores.ts";

export interface StoreState {
  store: string;
  /** `pending` (not started for this request), `running` or `done`. */
  state: "pending" | "running" | "done";
  updated_at: string | null;
  detail: string;
}

/** What `GET /v1/erasures/:id` answers. */
export interface Receipt {
  erasure_id: string;
  state: "pending" | "done";
  requested_at: string;
  /** When the last store was done; null while any store is not. */
  completed_at: string | null;
  /** Until when events of this user are not stored (late events, replays). */
  suppressed_until: string;
  stores: StoreState[];
  /**
   * Copies erasure does not delete, and when the last of each is gone at the latest: the
   * dead-letter stream and, with regions, each region's own stream (docs/erasure.md).
   */
  other_copies: { where: string; expires_by: string }[];
}

/** A place that keeps copies of a user's messages until its max_age (it is not erased). */
export interface ExpiringCopies {
  where: string;
  maxAgeMs: number;
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * The receipt from the newest row per store. A store counts only with a row written for the
 * current request (`updated_ms >= requested_ms`); the erasure is done only when every store is.
 * Undefined when there is no request row.
 */
export function receiptOf(
  erasureId: string,
  rows: readonly ErasureRow[],
  copies: readonly ExpiringCopies[] = [],
): Receipt | undefined {
  const request = rows.find((r) => r.store === REQUEST_ROW);
  if (!request) return undefined;
  const stores = ERASURE_STORES.map((name): StoreState => {
    const r = rows.find((x) => x.store === name);
    if (!r || r.updated_ms < request.requested_ms)
      return { store: name, state: "pending", updated_at: null, detail: "" };
    return {
      store: name,
      state: r.state === "done" ? "done" : "running",
      updated_at: iso(r.updated_ms),
      detail: r.detail,
    };
  });
  const done = stores.every((s) => s.state === "done");
  const last = Math.max(...rows.filter((r) => r.store !== REQUEST_ROW).map((r) => r.updated_ms), 0);
  return {
    erasure_id: erasureId,
    state: done ? "done" : "pending",
    requested_at: iso(request.requested_ms),
    completed_at: done ? iso(last) : null,
    suppressed_until: iso(request.suppress_until_ms),
    stores,
    other_copies: copies.map((c) => ({ where: c.where, expires_by: iso(request.requested_ms + c.maxAgeMs) })),
  };
}

/** The newest row of each store of one erasure. */
export async function erasureRows(store: Store, erasureId: string): Promise<ErasureRow[]> {
  const rows = await store.select<Record<string, unknown>>(
    sql`SELECT store, argMax(state, updated_ms) AS s, argMax(user_hash, updated_ms) AS h,
        argMax(requested_ms, updated_ms) AS req, argMax(suppress_until_ms, updated_ms) AS until,
        max(updated_ms) AS upd, argMax(detail, updated_ms) AS d
      FROM ${store.db}.erasures WHERE erasure_id = ${p.str(erasureId)} GROUP BY store`,
  );
  return rows.map((r) => ({
    erasure_id: erasureId,
    store: String(r.store),
    state: String(r.s),
    user_hash: String(r.h),
    requested_ms: num(r.req),
    suppress_until_ms: num(r.until),
    updated_ms: num(r.upd),
    detail: String(r.d),
  }));
}

/** Writes one row of the `erasures` table. */
export async function recordErasure(store: Store, row: ErasureRow): Promise<void> {
  await store.insert("erasures", [row]);
}
