import {
  FACT_DIMENSION_COLUMNS,
  FACT_RESOLUTIONS_MS,
  ident,
  join,
  p,
  sql,
  type Ident,
  type Sql,
} from "../store/index.ts";
import { PLAUSIBILITY_SLACK_MS } from "./metrics-sql.ts";
import type { Range } from "./params.ts";

/** One piece of a range: `view_facts` rows of resolution `res` with `lo <= bucket < hi`. */
export interface Piece {
  res: number;
  lo: number;
  hi: number;
}

/**
 * Covers [from, to) with disjoint whole buckets, as few as possible: whole buckets of the first
 * resolution in the middle, then the next resolution for what is left at each edge, down to 1 ms.
 * `resolutions` must be sorted coarsest first and end with 1.
 *
 * @example
 * cover(90_000, 7_230_500, [3_600_000, 60_000, 1]);
 * // [{ res: 1, lo: 90_000, hi: 120_000 }, { res: 60_000, lo: 120_000, hi: 3_600_000 },
 * //  { res: 3_600_000, lo: 3_600_000, hi: 7_200_000 }, { res: 60_000, lo: 7_200_000, hi: 7_230_000 },
 * //  { res: 1, lo: 7_230_000, hi: 7_230_500 }]
 */
export function cover(from: number, to: number, resolutions: readonly number[]): Piece[] {
  const [res, ...finer] = resolutions;
  if (from >= to || res === undefined) return [];
  const lo = Math.ceil(from / res) * res;
  const hi = Math.floor(to / res) * res;
  if (lo >= hi) return cover(from, to, finer);
  return [...cover(from, lo, finer), { res, lo, hi }, ...cover(hi, to, finer)];
}

/** The `WHERE` of the `view_facts` rows that make up `range` exactly (false for an empty range). */
export function factsWhere(range: Range, videoId: string | undefined, resolutions: readonly number[]): Sql {
  const pieces = cover(range.from, range.to, resolutions).map(
    (c) => sql`(res = ${p.u64(c.res)} AND bucket >= ${p.u64(c.lo)} AND bucket < ${p.u64(c.hi)})`,
  );
  const time = pieces.length === 0 ? sql`0` : sql`(${join(pieces, " OR ")})`;
  return videoId === undefined ? time : sql`video_id = ${p.str(videoId)} AND ${time}`;
}

/** The `view_facts` resolutions whose buckets never straddle a step of `stepMs`. */
export function resolutionsFor(stepMs: number): number[] {
  return FACT_RESOLUTIONS_MS.filter((r) => stepMs % r === 0);
}

/**
 * The view's value of an `events` column (its largest), merged from `view_facts`; undefined when
 * `view_facts` does not keep that column (the caller then reads `events`).
 */
export function factDimension(column: string): Sql | undefined {
  return (FACT_DIMENSION_COLUMNS as readonly string[]).includes(column)
    ? sql`maxMerge(${ident(`max_${column}`)})`
    : undefined;
}

/**
 * The same rows as `perViewSql` (one per view, the same column names and the same values) read
 * from `view_facts` instead of `events`: max and min of the buckets' maxima and minima are the
 * maxima and minima of their events, so the wall-clock bound on played and rebuffer time is the
 * same too (docs/metrics.md#plausibility). `where` comes from `factsWhere`.
 */
export function perViewFactsSql(db: Ident, where: Sql, extra: Sql = sql``, groupBy: Sql = sql`user_id, view_id`): Sql {
  const clock = sql`if(requested = 1, greatest(maxMerge(max_ts_ms), started_ms) - started_ms, maxMerge(max_ts_ms) - minMerge(min_ts_ms)) + ${p.u64(PLAUSIBILITY_SLACK_MS)}`;
  return sql`SELECT view_id,${extra}
      user_id,
      maxMerge(max_experiment_variant) AS variant,
      maxMerge(is_requested) AS requested,
      minIfMerge(min_requested_ms) AS started_ms,
      maxMerge(is_played) AS played,
      maxMerge(is_completed) AS completed,
      maxMerge(is_ended) AS ended,
      maxMerge(is_failed) AS failed_fatal,
      least(maxMerge(max_played_ms), ${clock}) AS played_ms,
      least(maxMerge(max_rebuffer_ms), ${clock}) AS rebuffer_ms,
      minIfMerge(min_startup_ms) AS startup_ms
    FROM ${db}.view_facts
    WHERE ${where}
    GROUP BY ${groupBy}`;
}
