import { num, p, sql, type Sql, type Store } from "../store/index.ts";
import { eventFilter, type MetricKey } from "./breakdown.ts";
import { dimensionColumn, type Dimension } from "./dimensions.ts";
import { METRIC_COLUMNS, perViewSql, toMetrics, type MetricRow } from "./metrics-sql.ts";
import type { Range } from "./params.ts";
import type { SeriesPoint } from "./answers.ts";
import { factDimension, factsWhere, perViewFactsSql, resolutionsFor } from "./view-facts.ts";

export type { SeriesPoint } from "./answers.ts";

export interface SeriesQuery {
  range: Range;
  metric: MetricKey;
  stepMs: number;
  videoId?: string | undefined;
  /** Only views whose value of `dimension` is `value` (null: views without it). */
  filter?: { dimension: Dimension; value: string | null } | undefined;
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * One row per (step, view): from `view_facts` at the resolutions that fit in a step (their
 * buckets never straddle one), or from `events` when the filter's dimension is not kept there.
 */
function perStepView(store: Store, q: SeriesQuery): Sql {
  const step = p.u64(q.stepMs);
  const column = q.filter ? dimensionColumn(q.filter.dimension) : undefined;
  const fact = column ? factDimension(column.ident) : undefined;
  if (column && !fact) {
    const where = eventFilter(q.range, q.videoId);
    return perViewSql(
      store.db,
      where,
      sql` intDiv(ts_ms, ${step}) AS b, max(${column}) AS dim,`,
      sql`b, user_id, view_id`,
    );
  }
  const dim = fact ? sql` ${fact} AS dim,` : sql``;
  const where = factsWhere(q.range, q.videoId, resolutionsFor(q.stepMs));
  return perViewFactsSql(store.db, where, sql` intDiv(bucket, ${step}) AS b,${dim}`, sql`b, user_id, view_id`);
}

/**
 * A metric per step: the point at t is the metric over the events of [t, t + step) inside the
 * range, exactly as the stats endpoint computes it for that interval. Steps are aligned to the
 * epoch; a step with no events has count 0 and ratio null.
 *
 * @example
 * const plays = await timeseries(store, { range, metric: "plays", stepMs: 60_000 });
 */
export async function timeseries(store: Store, q: SeriesQuery): Promise<SeriesPoint[]> {
  const perView = perStepView(store, q);
  const having = q.filter ? sql`WHERE dim = ${p.str(q.filter.value ?? "")}` : sql``;
  const rows = await store.select<MetricRow & { b: unknown }>(
    sql`SELECT b, ${METRIC_COLUMNS} FROM (${perView}) ${having} GROUP BY b ORDER BY b`,
  );
  const byBucket = new Map(rows.map((r) => [num(r.b), r]));
  const points: SeriesPoint[] = [];
  for (let b = Math.floor(q.range.from / q.stepMs); b * q.stepMs < q.range.to; b++) {
    points.push({ t: iso(b * q.stepMs), value: toMetrics(byBucket.get(b))[q.metric] });
  }
  return points;
}
