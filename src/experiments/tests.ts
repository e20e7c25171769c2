import normalCdf from "@stdlib/stats-base-dists-normal-cdf";
import normalQuantile from "@stdlib/stats-base-dists-normal-quantile";
import tCdf from "@stdlib/stats-base-dists-t-cdf";
import tQuantile from "@stdlib/stats-base-dists-t-quantile";

/**
 * Fixed-horizon comparisons of a variant (b) against control (a). Each returns the estimate of the
 * difference b − a, its standard error, a two-sided confidence interval and p-value
 * (docs/experiments.md has the formulas). Distributions come from @stdlib, never hand-written.
 */
export interface Comparison {
  /** b − a. */
  diff: number;
  /** Standard error of `diff` (unpooled): what the intervals, fixed and sequential, are built on. */
  se: number;
  ci: [number, number];
  p: number;
  /** z for the normal tests, t for Welch. */
  statistic: number;
  /** Welch–Satterthwaite degrees of freedom; null for the normal tests. */
  df: number | null;
}

/** Successes out of trials. */
export interface Proportion {
  x: number;
  n: number;
}

/** Count, sum and sum of squares of one per-unit quantity. */
export interface Moments {
  n: number;
  sum: number;
  sumSq: number;
}

/** Per-unit sums for a ratio of sums Σx/Σy: count, Σx, Σy, Σx², Σy², Σxy. */
export interface RatioMoments {
  n: number;
  sumX: number;
  sumY: number;
  sumXX: number;
  sumYY: number;
  sumXY: number;
}

const twoSidedNormalP = (z: number) => 2 * normalCdf(-Math.abs(z), 0, 1);
const zCrit = (alpha: number) => normalQuantile(1 - alpha / 2, 0, 1);

function normalComparison(diff: number, se: number, alpha: number, seForTest = se): Comparison {
  const z = seForTest > 0 ? diff / seForTest : 0;
  const half = zCrit(alpha) * se;
  return {
    diff,
    se,
    ci: [diff - half, diff + half],
    p: seForTest > 0 ? twoSidedNormalP(z) : 1,
    statistic: z,
    df: null,
  };
}

/**
 * The two-proportion z-test: p-value from the pooled standard error (equal to Pearson's chi-square
 * on the 2×2 table, R's `prop.test(correct = FALSE)`), interval from the unpooled (Wald) one.
 *
 * @example
 * twoProportionZ({ x: 50, n: 500 }, { x: 75, n: 500 }).p; // ≈ 0.0173
 */
export function twoProportionZ(a: Proportion, b: Proportion, alpha = 0.05): Comparison {
  const pa = a.x / a.n;
  const pb = b.x / b.n;
  const pooled = (a.x + b.x) / (a.n + b.n);
  const sePooled = Math.sqrt(pooled * (1 - pooled) * (1 / a.n + 1 / b.n));
  const se = Math.sqrt((pa * (1 - pa)) / a.n + (pb * (1 - pb)) / b.n);
  return normalComparison(pb - pa, se, alpha, sePooled);
}

/** Sample mean and unbiased variance from moments. */
export function meanVar(m: Moments): { mean: number; variance: number } {
  const mean = m.sum / m.n;
  const variance = m.n > 1 ? Math.max(0, (m.sumSq - m.n * mean * mean) / (m.n - 1)) : 0;
  return { mean, variance };
}

/**
 * Welch's t-test of two means with unequal variances (R's `t.test(var.equal = FALSE)`).
 *
 * @example
 * welchT({ n: 2, sum: 2, sumSq: 4 }, { n: 2, sum: 8, sumSq: 34 }).df; // 2
 */
export function welchT(a: Moments, b: Moments, alpha = 0.05): Comparison {
  const A = meanVar(a);
  const B = meanVar(b);
  const va = A.variance / a.n;
  const vb = B.variance / b.n;
  const se = Math.sqrt(va + vb);
  const diff = B.mean - A.mean;
  if (!(se > 0)) return { diff, se: 0, ci: [diff, diff], p: diff === 0 ? 1 : 0, statistic: 0, df: null };
  const df = (va + vb) ** 2 / (va ** 2 / (a.n - 1) + vb ** 2 / (b.n - 1));
  const t = diff / se;
  const half = tQuantile(1 - alpha / 2, df) * se;
  return { diff, se, ci: [diff - half, diff + half], p: 2 * tCdf(-Math.abs(t), df), statistic: t, df };
}

/** The ratio Σx/Σy and the delta-method variance of it, treating each unit as one draw of (x, y). */
export function ratioDelta(m: RatioMoments): { ratio: number; variance: number } {
  const mx = m.sumX / m.n;
  const my = m.sumY / m.n;
  const ratio = m.sumX / m.sumY;
  if (m.n < 2) return { ratio, variance: 0 };
  const sxx = (m.sumXX - m.n * mx * mx) / (m.n - 1);
  const syy = (m.sumYY - m.n * my * my) / (m.n - 1);
  const sxy = (m.sumXY - m.n * mx * my) / (m.n - 1);
  const variance = Math.max(0, (sxx - 2 * ratio * sxy + ratio * ratio * syy) / (m.n * my * my));
  return { ratio, variance };
}

/**
 * Difference of two ratio metrics (Σx/Σy per arm, the unit not being the denominator's unit) by the
 * delta method: Var(R) ≈ (s²x − 2R·sxy + R²·s²y) / (n·ȳ²), the arms independent.
 *
 * @example
 * deltaRatio(controlSums, variantSums).ci;
 */
export function deltaRatio(a: RatioMoments, b: RatioMoments, alpha = 0.05): Comparison {
  const A = ratioDelta(a);
  const B = ratioDelta(b);
  return normalComparison(B.ratio - A.ratio, Math.sqrt(A.variance + B.variance), alpha);
}
