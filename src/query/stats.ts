import { p, sql, type Store } from "../store/index.ts";
import { METRIC_COLUMNS, perViewSql, toMetrics, type MetricRow, type Metrics } from "./metrics-sql.ts";
import type { Range } from "./params.ts";
import type { VariantMetrics } from "./answers.ts";

/** Every QoE metric of one video over a time range (docs/metrics.md has the formulas). */
export async function videoStats(store: Store, videoId: string, range: Range): Promise<Metrics> {
  const where = sql`video_id = ${p.str(videoId)} AND ts_ms >= ${p.u64(range.from)} AND ts_ms < ${p.u64(range.to)}`;
  const rows = await store.select<MetricRow>(sql`SELECT ${METRIC_COLUMNS} FROM (${perViewSql(store.db, where)})`);
  return toMetrics(rows[0]);
}

export type { VariantMetrics } from "./answers.ts";

/** The same metrics per variant of an experiment, over every title. */
export async function experimentStats(store: Store, experimentId: string, range: Range): Promise<VariantMetrics[]> {
  const where = sql`experiment_id = ${p.str(experimentId)} AND ts_ms >= ${p.u64(range.from)} AND ts_ms < ${p.u64(range.to)}`;
  const rows = await store.select<MetricRow & { variant: string }>(
    sql`SELECT variant, ${METRIC_COLUMNS} FROM (${perViewSql(store.db, where)}) GROUP BY variant ORDER BY variant`,
  );
  return rows.map((r) => ({ variant: r.variant, ...toMetrics(r) }));
}
