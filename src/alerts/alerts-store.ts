import type { AlertEvent } from "../events/index.ts";
import { p, sql, type Store } from "../store/index.ts";

/**
 * Records announced alert events in `alerts` (migration 19), one row per event; writing the
 * same event again changes nothing (same key, same version).
 *
 * @example
 * await recordAlerts(store, [event]);
 */
export async function recordAlerts(store: Store, events: readonly AlertEvent[]): Promise<void> {
  if (events.length === 0) return;
  await store.insert(
    "alerts",
    events.map((e) => ({
      rule_id: e.rule_id,
      key_value: e.key.value,
      fired_ms: Date.parse(e.fired_at),
      state: e.state,
      event: JSON.stringify(e),
      message_id: e.id,
      updated_ms: Date.parse(e.resolved_at ?? e.fired_at),
    })),
  );
}

/**
 * Every alert (one per breach of one key of one rule) as its latest event, newest first;
 * `state` keeps only the firing or the resolved ones.
 *
 * @example
 * const firing = await listAlerts(store, { state: "firing", limit: 100 });
 */
export async function listAlerts(
  store: Store,
  q: { state?: "firing" | "resolved" | undefined; ruleId?: string | undefined; limit: number },
): Promise<AlertEvent[]> {
  const state = q.state === undefined ? sql`1` : sql`last_state = ${p.str(q.state)}`;
  const rule = q.ruleId === undefined ? sql`1` : sql`rule_id = ${p.str(q.ruleId)}`;
  const rows = await store.select<{ last_event: string }>(
    sql`SELECT argMax(event, updated_ms) AS last_event, argMax(state, updated_ms) AS last_state
      FROM ${store.db}.alerts WHERE ${rule}
      GROUP BY rule_id, key_value, fired_ms HAVING ${state}
      ORDER BY fired_ms DESC, rule_id, key_value LIMIT ${p.u64(q.limit)}`,
  );
  return rows.map((r) => JSON.parse(r.last_event) as AlertEvent);
}
