import { perViewSql } from "../query/index.ts";
import { num, p, sql, type Store } from "../store/index.ts";
import type { Moments, Proportion, RatioMoments } from "./tests.ts";

/** The sufficient statistics of one arm, over views (a view is counted once whatever was stored twice). */
export interface ArmSums {
  variant: string;
  views: number;
  completed: number;
  failed: number;
  exitedBeforeStart: number;
  /** played_ms per view. */
  watch: Moments;
  /** x = rebuffer_ms, y = played_ms + rebuffer_ms per view. */
  rebuffer: RatioMoments;
}

interface Row {
  variant: string;
  views: unknown;
  completed: unknown;
  failed: unknown;
  exited: unknown;
  p_sum: unknown;
  p_sq: unknown;
  r_sum: unknown;
  r_sq: unknown;
  pr: unknown;
}

/** Turns the sums of played (p) and rebuffer (r) per view into the arm's moments. */
export function armFromRow(r: Row): ArmSums {
  const n = num(r.views);
  const [pSum, pSq, rSum, rSq, pr] = [num(r.p_sum), num(r.p_sq), num(r.r_sum), num(r.r_sq), num(r.pr)];
  return {
    variant: r.variant,
    views: n,
    completed: num(r.completed),
    failed: num(r.failed),
    exitedBeforeStart: num(r.exited),
    watch: { n, sum: pSum, sumSq: pSq },
    // y = p + r: Σy = Σp + Σr, Σy² = Σp² + 2Σpr + Σr², Σxy = Σpr + Σr².
    rebuffer: { n, sumX: rSum, sumY: pSum + rSum, sumXX: rSq, sumYY: pSq + 2 * pr + rSq, sumXY: pr + rSq },
  };
}

/**
 * Per-arm sums over the views of one experiment whose events fall in [from, to), built on the
 * per-view rows of `perViewSql` (max over counters and flags: duplicates change nothing). A view is a
 * view with a `play_requested`; its arm is the variant its events name.
 *
 * @example
 * const arms = await armSums(store, "exp_abr", { from: startedAt, to: Date.now() });
 */
export async function armSums(store: Store, experimentId: string, range: { from: number; to: number }) {
  const where = sql`experiment_id = ${p.str(experimentId)} AND ts_ms >= ${p.u64(range.from)} AND ts_ms < ${p.u64(range.to)}`;
  const rows = await store.select<Row>(sql`SELECT variant,
      count() AS views,
      countIf(completed = 1) AS completed,
      countIf(failed_fatal = 1) AS failed,
      countIf(ended = 1 AND played = 0) AS exited,
      sum(played_ms) AS p_sum,
      sum(toFloat64(played_ms) * played_ms) AS p_sq,
      sum(rebuffer_ms) AS r_sum,
      sum(toFloat64(rebuffer_ms) * rebuffer_ms) AS r_sq,
      sum(toFloat64(played_ms) * rebuffer_ms) AS pr
    FROM (${perViewSql(store.db, where)})
    WHERE requested = 1
    GROUP BY variant ORDER BY variant`);
  return rows.map(armFromRow);
}

/** Successes per view for a proportion metric. */
export function proportionOf(arm: ArmSums, metric: "completion_rate" | "failure_rate" | "exit_before_start_rate") {
  const x =
    metric === "completion_rate" ? arm.completed : metric === "failure_rate" ? arm.failed : arm.exitedBeforeStart;
  return { x, n: arm.views } satisfies Proportion;
}
