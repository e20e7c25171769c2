import {
  concurrency,
  DIMENSIONS,
  factsWhere,
  METRIC_COLUMNS,
  perViewFactsSql,
  perViewWithDimension,
  toMetrics,
  type Dimension,
  type MetricRow,
  type Range,
} from "../query/index.ts";
import { FACT_RESOLUTIONS_MS, sql, type Sql, type Store } from "../store/index.ts";
import type { AlertRule } from "./rule.ts";
import type { Observation } from "./state.ts";

export interface ObserveDeps {
  store: Store;
  /** PLAYPULSE_CCV_WINDOW_SECONDS: how long an event keeps a viewer counted (docs/metrics.md). */
  ccvWindowSeconds: number;
}

const CCV_BUCKET_MS = 5000;

const isDimension = (s: string): s is Dimension => s in DIMENSIONS;

/** The per-view rows of the window with the view's key as `dim`: the breakdown's rows, or the title, or '' for all. */
function perView(store: Store, rule: AlertRule, range: Range): Sql {
  const split = rule.split_by;
  if (split !== null && isDimension(split)) return perViewWithDimension(store, range, undefined, split, rule.per_title);
  const dim = split === "video_id" ? sql` max(video_id) AS dim,` : sql` '' AS dim,`;
  return perViewFactsSql(store.db, factsWhere(range, undefined, FACT_RESOLUTIONS_MS), dim);
}

/** Failure rate or startup p95 per key over [now − window, now), with the views as the volume (docs/metrics.md formulas). */
async function viewMetrics(store: Store, rule: AlertRule, now: number): Promise<Observation[]> {
  const range = { from: now - rule.window_seconds * 1000, to: now };
  const rows = await store.select<MetricRow & { dim: string }>(
    sql`SELECT dim, ${METRIC_COLUMNS} FROM (${perView(store, rule, range)}) GROUP BY dim ORDER BY dim`,
  );
  return rows
    .filter((r) => rule.split_by === null || (r.dim !== "" && !r.dim.endsWith("\t")))
    .map((r) => {
      const m = toMetrics(r);
      const value = rule.metric === "failure_rate" ? m.failure_rate : m.startup_ms_p95;
      return { key: r.dim, value, volume: m.views };
    });
}

/** 1 − viewers now / viewers one window ago (the 5 s bucket at or before), with the viewers then as the volume. */
async function ccvDrop(deps: ObserveDeps, rule: AlertRule, now: number): Promise<Observation[]> {
  const then = Math.floor((now - rule.window_seconds * 1000) / CCV_BUCKET_MS) * CCV_BUCKET_MS;
  const ccv = await concurrency(deps.store, {
    range: { from: then, to: then + CCV_BUCKET_MS },
    stepMs: CCV_BUCKET_MS,
    windowSeconds: deps.ccvWindowSeconds,
    now,
  });
  const before = ccv.series[0]?.viewers ?? 0;
  return [{ key: "", value: before === 0 ? null : 1 - ccv.current.viewers / before, volume: before }];
}

/**
 * The rule's figures per key as of `now`, from ClickHouse with the formulas of docs/metrics.md
 * (the same per-view rows as the breakdowns): what `evaluateRule` judges.
 *
 * @example
 * const observations = await observe({ store, ccvWindowSeconds: 25 }, rule, Date.now());
 */
export function observe(deps: ObserveDeps, rule: AlertRule, now: number): Promise<Observation[]> {
  return rule.metric === "ccv_drop" ? ccvDrop(deps, rule, now) : viewMetrics(deps.store, rule, now);
}
