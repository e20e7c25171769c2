import chisquareCdf from "@stdlib/stats-base-dists-chisquare-cdf";

/** The answer's warning while a sample ratio mismatch holds. */
export const SRM_WARNING = "SRM: results are not trustworthy";
/** The threshold below which the split is flagged. */
export const SRM_ALPHA = 0.001;

import type { Srm } from "./verdict-shapes.ts";

export type { Srm };

/**
 * Pearson's chi-square goodness-of-fit test of views per variant against the configured weights
 * (df = variants − 1), flagged when p < 0.001. Null statistics until every variant could have views.
 *
 * @example
 * sampleRatioMismatch([{ name: "a", weight: 1, views: 5500 }, { name: "b", weight: 1, views: 4500 }]).flagged; // true
 */
export function sampleRatioMismatch(arms: readonly { name: string; weight: number; views: number }[]): Srm {
  const total = arms.reduce((s, a) => s + a.views, 0);
  const weights = arms.reduce((s, a) => s + a.weight, 0);
  const observed: Record<string, number> = {};
  const expected: Record<string, number> = {};
  let chi2 = 0;
  for (const a of arms) {
    const e = (total * a.weight) / weights;
    observed[a.name] = a.views;
    expected[a.name] = e;
    if (e > 0) chi2 += (a.views - e) ** 2 / e;
  }
  const df = arms.length - 1;
  if (total === 0 || df < 1) return { flagged: false, p: null, chi2: null, df, observed, expected };
  const p = 1 - chisquareCdf(chi2, df);
  return { flagged: p < SRM_ALPHA, p, chi2, df, observed, expected };
}
