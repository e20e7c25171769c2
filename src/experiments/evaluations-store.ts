import type { ExperimentEvent } from "../events/index.ts";
import { p, sql, type Store } from "../store/index.ts";

/**
 * Records announced `analytics.experiment.evaluated` events in `experiment_evaluations`
 * (migration 22), one row per event; writing the same event again changes nothing (readers take
 * one row per message id).
 *
 * @example
 * await recordEvaluations(store, [event]);
 */
export async function recordEvaluations(store: Store, events: readonly ExperimentEvent[]): Promise<void> {
  const rows = events
    .filter((e) => e.type === "analytics.experiment.evaluated")
    .map((e) => ({
      experiment_id: e.experiment_id,
      message_id: e.id,
      evaluated_ms: Date.parse(e.evaluated_at),
      event: JSON.stringify(e),
    }));
  if (rows.length > 0) await store.insert("experiment_evaluations", rows);
}

/**
 * One experiment's evaluation history: each change of its verdict as the event that announced
 * it, latest first. A message id written twice (a retried announcement carries a later
 * `evaluated_at` under the same id) counts once, as its earliest row: the one the stream kept.
 *
 * @example
 * const history = await listEvaluations(store, { experimentId: "exp_abr", limit: 50 });
 */
export async function listEvaluations(
  store: Store,
  q: { experimentId: string; limit: number },
): Promise<ExperimentEvent[]> {
  const rows = await store.select<{ first_event: string }>(
    sql`SELECT message_id, min(evaluated_ms) AS first_ms, argMin(event, evaluated_ms) AS first_event
      FROM ${store.db}.experiment_evaluations WHERE experiment_id = ${p.str(q.experimentId)}
      GROUP BY message_id ORDER BY first_ms DESC, message_id DESC LIMIT ${p.u64(q.limit)}`,
  );
  return rows.map((r) => JSON.parse(r.first_event) as ExperimentEvent);
}
