import { p, sql, type Ident, type Sql } from "../store/index.ts";
import type { Metrics } from "./answers.ts";

export type { Metrics } from "./answers.ts";

/**
 * How far played and rebuffer time may run ahead of the wall clock of a view (ms): a heartbeat can
 * report the time played since the view began, a few seconds before the player's clock says so.
 */
export const PLAUSIBILITY_SLACK_MS = 60_000;

/**
 * One row per view: the view-level facts every QoE formula is built from (`extra`: more columns,
 * each followed by a comma; `groupBy`: `user_id, view_id` and the keys of those columns). Max over
 * cumulative counters and "did any event of this type occur" flags make the result the same
 * whatever the arrival order and however many times an event was stored.
 *
 * A view is `(user_id, view_id)`: events sent under another user's `view_id` make a view of their
 * own and cannot fail or inflate the victim's. Played and rebuffer time are bounded by the wall
 * clock since the view's start (`play_requested`) when it is among the rows, else by the rows' own
 * span, plus PLAUSIBILITY_SLACK_MS (docs/metrics.md, "Plausibility"; docs/security.md).
 */
export function perViewSql(db: Ident, where: Sql, extra: Sql = sql``, groupBy: Sql = sql`user_id, view_id`): Sql {
  const slack = p.u64(PLAUSIBILITY_SLACK_MS);
  // Since the view's start when it is among the rows, else over the rows' own span.
  const clock = sql`if(requested = 1, greatest(max(ts_ms), started_ms) - started_ms, max(ts_ms) - min(ts_ms)) + ${slack}`;
  return sql`SELECT view_id,${extra}
      user_id,
      max(experiment_variant) AS variant,
      max(type = 'user.video.play_requested') AS requested,
      minIf(ts_ms, type = 'user.video.play_requested') AS started_ms,
      max(type = 'user.video.played') AS played,
      max(type = 'user.video.completed') AS completed,
      max(type = 'user.video.ended') AS ended,
      max(type = 'user.video.failed' AND fatal = 1) AS failed_fatal,
      least(max(played_ms), ${clock}) AS played_ms,
      least(max(rebuffer_ms), ${clock}) AS rebuffer_ms,
      minIf(startup_ms, type = 'user.video.played') AS startup_ms
    FROM ${db}.events
    WHERE ${where}
    GROUP BY ${groupBy}`;
}

/** The aggregate columns over `perViewSql` rows. */
export const METRIC_COLUMNS = sql`countIf(requested = 1) AS views,
    countIf(played = 1) AS plays,
    uniqExactIf(user_id, requested = 1) AS unique_viewers,
    sum(played_ms) AS watch_time_ms,
    countIf(completed = 1) AS completions,
    quantileExactIf(0.5)(startup_ms, played = 1) AS startup_ms_p50,
    quantileExactIf(0.95)(startup_ms, played = 1) AS startup_ms_p95,
    sum(rebuffer_ms) AS rebuffer_ms,
    countIf(ended = 1 AND played = 0) AS exits_before_start,
    countIf(failed_fatal = 1 AND requested = 1) AS failures`;

export interface MetricRow {
  views: unknown;
  plays: unknown;
  unique_viewers: unknown;
  watch_time_ms: unknown;
  completions: unknown;
  startup_ms_p50: unknown;
  startup_ms_p95: unknown;
  rebuffer_ms: unknown;
  exits_before_start: unknown;
  failures: unknown;
}

const n = (v: unknown) => (typeof v === "number" ? v : Number(v ?? 0));
const ratio = (a: number, b: number) => (b === 0 ? null : a / b);

/** Turns an aggregate row into the published metrics, ratios included. */
export function toMetrics(row: MetricRow | undefined): Metrics {
  const views = n(row?.views);
  const plays = n(row?.plays);
  const watch = n(row?.watch_time_ms);
  const rebuffer = n(row?.rebuffer_ms);
  const completions = n(row?.completions);
  const failures = n(row?.failures);
  return {
    views,
    plays,
    unique_viewers: n(row?.unique_viewers),
    watch_time_ms: watch,
    completions,
    completion_rate: ratio(completions, plays),
    startup_ms_p50: plays === 0 ? null : n(row?.startup_ms_p50),
    startup_ms_p95: plays === 0 ? null : n(row?.startup_ms_p95),
    rebuffer_ratio: ratio(rebuffer, watch + rebuffer),
    exits_before_start: n(row?.exits_before_start),
    failures,
    failure_rate: ratio(failures, views),
  };
}
