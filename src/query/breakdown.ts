import { ApiError } from "../http/errors.ts";
import { FACT_RESOLUTIONS_MS, p, sql, type Sql, type Store } from "../store/index.ts";
import { dimensionColumn, type Dimension } from "./dimensions.ts";
import { METRIC_COLUMNS, perViewSql, toMetrics, type MetricRow, type Metrics } from "./metrics-sql.ts";
import type { Range } from "./params.ts";
import { METRIC_KEYS, type BreakdownRow } from "./answers.ts";
import { factDimension, factsWhere, perViewFactsSql } from "./view-facts.ts";

export { METRIC_KEYS } from "./answers.ts";
export type { BreakdownRow } from "./answers.ts";

/** Every metric a breakdown can be sorted by: the keys of `Metrics`. */
export type MetricKey = (typeof METRIC_KEYS)[number];

export function parseMetric(name: string, raw: string | undefined, def?: MetricKey): MetricKey {
  if ((raw === undefined || raw === "") && def !== undefined) return def;
  if (raw !== undefined && (METRIC_KEYS as readonly string[]).includes(raw)) return raw as MetricKey;
  throw new ApiError(400, "invalid_parameter", `${name}: must be one of ${METRIC_KEYS.join(", ")}, got "${raw ?? ""}"`);
}

export interface BreakdownQuery {
  range: Range;
  dimension: Dimension;
  videoId?: string | undefined;
  sort: MetricKey;
  order: "asc" | "desc";
  limit: number;
}

/** The event filter shared by breakdowns, series and the overview. */
export function eventFilter(range: Range, videoId: string | undefined): Sql {
  const time = sql`ts_ms >= ${p.u64(range.from)} AND ts_ms < ${p.u64(range.to)}`;
  return videoId === undefined ? time : sql`video_id = ${p.str(videoId)} AND ${time}`;
}

/**
 * The per-view rows of a range with the view's value of `dimension`: the largest non-empty value
 * its events carry ('' when none does), so order and repeats do not change it. Read from
 * `view_facts` when it keeps the dimension, from `events` otherwise; the rows are the same.
 * With `perTitle`, `dim` is the view's title, a tab and that value.
 */
export function perViewWithDimension(
  store: Store,
  range: Range,
  videoId: string | undefined,
  dimension: Dimension,
  perTitle = false,
): Sql {
  const column = dimensionColumn(dimension);
  const fact = factDimension(column.ident);
  // perTitle: the title, a tab, then the value (alert rules per title and CDN, src/alerts/observe.ts).
  const dim = (value: Sql) =>
    perTitle ? sql` concat(max(video_id), ${p.str("\t")}, ${value}) AS dim,` : sql` ${value} AS dim,`;
  return fact
    ? perViewFactsSql(store.db, factsWhere(range, videoId, FACT_RESOLUTIONS_MS), dim(fact))
    : perViewSql(store.db, eventFilter(range, videoId), dim(sql`max(${column})`));
}

/** Sorts rows by a metric, nulls last, ties by value (nulls last). */
export function sortRows<T extends Metrics & { value: string | null }>(
  rows: T[],
  by: MetricKey,
  order: "asc" | "desc",
) {
  const sign = order === "asc" ? 1 : -1;
  return [...rows].sort((a, b) => {
    const x = a[by];
    const y = b[by];
    if (x !== y) {
      if (x === null) return 1;
      if (y === null) return -1;
      return sign * (x - y);
    }
    if (a.value === b.value) return 0;
    if (a.value === null) return 1;
    if (b.value === null) return -1;
    return a.value < b.value ? -1 : 1;
  });
}

/**
 * Every metric of the stats endpoint per value of a dimension, plus the same over all views
 * (`total`), so a reader can judge each row against the whole.
 *
 * @example
 * const b = await breakdown(store, { range, dimension: "cdn", sort: "failure_rate", order: "desc", limit: 10 });
 */
export async function breakdown(
  store: Store,
  q: BreakdownQuery,
): Promise<{ total: Metrics; groups: number; rows: BreakdownRow[] }> {
  const perView = perViewWithDimension(store, q.range, q.videoId, q.dimension);
  const [rows, [total]] = await Promise.all([
    store.select<MetricRow & { dim: string }>(sql`SELECT dim, ${METRIC_COLUMNS} FROM (${perView}) GROUP BY dim`),
    store.select<MetricRow>(sql`SELECT ${METRIC_COLUMNS} FROM (${perView})`),
  ]);
  const groups = rows.map((r) => ({ value: r.dim === "" ? null : r.dim, ...toMetrics(r) }));
  return { total: toMetrics(total), groups: groups.length, rows: sortRows(groups, q.sort, q.order).slice(0, q.limit) };
}
