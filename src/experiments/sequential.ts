/**
 * Always-valid inference by the mixture sequential probability ratio test (mSPRT) with a normal
 * mixture, Johari, Koomen, Pekelis & Walsh, "Always Valid Inference" (2017/2022), the boundary of
 * Robbins (1970). It is applied to an asymptotically normal estimate of a difference, θ̂ with
 * variance V (the same θ̂ and V as the fixed-horizon comparison), so one formula serves the
 * z-test, Welch and delta-method metrics (docs/experiments.md says why this and not another).
 */
export interface Sequential {
  ci: [number, number];
  /** min(1, 1/Λ): below α only if the always-valid interval excludes 0. */
  p: number;
  /** The mixing variance τ² used. */
  tau2: number;
}

/** τ²/V at which the normal-mixture boundary is narrowest: the root of r = 2·ln(1/α) + ln(1 + r). */
export function optimalMixingRatio(alpha: number): number {
  let r = 2 * Math.log(1 / alpha);
  for (let i = 0; i < 50; i++) r = 2 * Math.log(1 / alpha) + Math.log1p(r);
  return r;
}

/**
 * Half-width of the always-valid (1 − α) interval for a normal estimate with variance `v`, mixing
 * variance `tau2`: √( V(V+τ²)/τ² · (2·ln(1/α) + ln((V+τ²)/V)) ).
 *
 * @example
 * msprtHalfWidth(1, 8.2, 0.05); // ≈ 2.72 (the fixed-horizon one is 1.96)
 */
export function msprtHalfWidth(v: number, tau2: number, alpha: number): number {
  if (!(v > 0)) return 0;
  return Math.sqrt(((v * (v + tau2)) / tau2) * (2 * Math.log(1 / alpha) + Math.log((v + tau2) / v)));
}

/** The mixture likelihood ratio Λ = √(V/(V+τ²)) · exp(τ²θ̂² / (2V(V+τ²))), computed in logs. */
export function msprtLogLambda(diff: number, v: number, tau2: number): number {
  if (!(v > 0)) return diff === 0 ? 0 : Infinity;
  return 0.5 * Math.log(v / (v + tau2)) + (tau2 * diff * diff) / (2 * v * (v + tau2));
}

/**
 * The always-valid interval and p-value for a difference `diff` with standard error `se`, the mixture
 * tuned to be narrowest when the experiment reaches `plannedN` units (it has `n` now): τ² = r*·V·n/plannedN.
 *
 * @example
 * const s = sequentialInterval(0.02, 0.008, 4000, 20000); // s.ci is wider than 0.02 ± 1.96·0.008
 */
export function sequentialInterval(diff: number, se: number, n: number, plannedN: number, alpha = 0.05): Sequential {
  const v = se * se;
  const tau2 = optimalMixingRatio(alpha) * v * (n / Math.max(plannedN, 1));
  if (!(v > 0) || !(tau2 > 0)) return { ci: [diff, diff], p: diff === 0 ? 1 : 0, tau2: 0 };
  const half = msprtHalfWidth(v, tau2, alpha);
  const p = Math.min(1, Math.exp(-msprtLogLambda(diff, v, tau2)));
  return { ci: [diff - half, diff + half], p, tau2 };
}
