import chisquareCdf from "@stdlib/stats-base-dists-chisquare-cdf";
import { describe, expect, it } from "vitest";
import { deltaRatio, ratioDelta, twoProportionZ, welchT, type Moments } from "./tests.ts";

const moments = (xs: readonly number[]): Moments => ({
  n: xs.length,
  sum: xs.reduce((s, x) => s + x, 0),
  sumSq: xs.reduce((s, x) => s + x * x, 0),
});

// Φ⁻¹(0.975), a published constant (e.g. NIST/SEMATECH e-Handbook, 1.95996…).
const Z975 = 1.959963984540054;

describe("Welch's t", () => {
  it("matches R's t.test on the sleep data (R: example(t.test), Welch is the default)", () => {
    // datasets::sleep, R 4.x: t.test(extra ~ group, data = sleep) prints
    //   t = -1.8608, df = 17.776, p-value = 0.07939
    //   95 percent confidence interval: -3.3654832  0.2054832   (group 1 minus group 2)
    const g1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0];
    const g2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4];
    const r = welchT(moments(g2), moments(g1)); // b − a = group 1 − group 2
    expect(r.diff).toBeCloseTo(-1.58, 10);
    expect(r.statistic).toBeCloseTo(-1.8608, 4);
    expect(r.df).toBeCloseTo(17.776, 3);
    expect(r.p).toBeCloseTo(0.07939, 5);
    expect(r.ci[0]).toBeCloseTo(-3.3654832, 6);
    expect(r.ci[1]).toBeCloseTo(0.2054832, 6);
  });

  it("matches the closed form of Student's t with 2 degrees of freedom", () => {
    // a = [0, 2], b = [3, 5]: variances 2 and 2, n = 2 each, so df = (1+1)²/(1/1+1/1) = 2 and
    // t = 3/√2. For ν = 2, F(t) = 1/2 + t / (2√(2 + t²)) and F⁻¹(p) = (2p − 1)/√(2p(1 − p)).
    const r = welchT(moments([0, 2]), moments([3, 5]));
    const t = 3 / Math.SQRT2;
    expect(r.df).toBeCloseTo(2, 12);
    expect(r.statistic).toBeCloseTo(t, 12);
    expect(r.p).toBeCloseTo(2 * (0.5 - t / (2 * Math.sqrt(2 + t * t))), 10);
    const q = 0.95 / Math.sqrt(2 * 0.975 * 0.025);
    expect(r.ci[0]).toBeCloseTo(3 - q * Math.SQRT2, 9);
    expect(r.ci[1]).toBeCloseTo(3 + q * Math.SQRT2, 9);
  });
});

describe("two-proportion z-test", () => {
  it.each([
    [50, 500, 75, 500],
    [189, 11034, 104, 11037],
    [30, 40, 20, 45],
  ])("z² equals Pearson's chi-square of the 2×2 table (%i/%i vs %i/%i)", (xa, na, xb, nb) => {
    // Independent route: the 2×2 table's expected counts and chi-square with 1 df (R's prop.test(correct = FALSE)).
    const table = [
      [xa, na - xa],
      [xb, nb - xb],
    ];
    const rows = [na, nb];
    const cols = [xa + xb, na + nb - xa - xb];
    const total = na + nb;
    let chi2 = 0;
    for (let i = 0; i < 2; i++)
      for (let j = 0; j < 2; j++) {
        const e = (rows[i]! * cols[j]!) / total;
        chi2 += (table[i]![j]! - e) ** 2 / e;
      }
    const r = twoProportionZ({ x: xa, n: na }, { x: xb, n: nb });
    expect(r.statistic ** 2).toBeCloseTo(chi2, 9);
    expect(r.p).toBeCloseTo(1 - chisquareCdf(chi2, 1), 12);
    const [pa, pb] = [xa / na, xb / nb];
    const se = Math.sqrt((pa * (1 - pa)) / na + (pb * (1 - pb)) / nb);
    expect(r.ci[0]).toBeCloseTo(pb - pa - Z975 * se, 12);
    expect(r.ci[1]).toBeCloseTo(pb - pa + Z975 * se, 12);
  });

  it("gives the hand-computed value of 50/500 against 75/500", () => {
    // pooled p = 0.125, SE = √(0.125·0.875·(2/500)) = 0.0209165, z = 0.05/SE = 2.390457; p = 2(1 − Φ(z)) = 0.016827
    const r = twoProportionZ({ x: 50, n: 500 }, { x: 75, n: 500 });
    expect(r.statistic).toBeCloseTo(2.390457, 6);
    expect(r.p).toBeCloseTo(0.016827, 5);
  });
});

describe("delta method for a ratio of sums", () => {
  // Per-view (x, y) pairs: x rebuffer, y time; the ratio's unit (the ms) is not the view.
  const pairs: [number, number][] = [
    [1, 10],
    [0, 12],
    [3, 9],
    [2, 20],
    [0, 5],
    [5, 30],
    [1, 7],
  ];
  const sums = (ps: readonly [number, number][]) => ({
    n: ps.length,
    sumX: ps.reduce((s, [x]) => s + x, 0),
    sumY: ps.reduce((s, [, y]) => s + y, 0),
    sumXX: ps.reduce((s, [x]) => s + x * x, 0),
    sumYY: ps.reduce((s, [, y]) => s + y * y, 0),
    sumXY: ps.reduce((s, [x, y]) => s + x * y, 0),
  });

  it("equals the variance of the linearised per-view residuals (x − R·y)/ȳ over n", () => {
    // Independent route: from the raw pairs, not from the sums.
    const R = 12 / 93;
    const ybar = 93 / pairs.length;
    const z = pairs.map(([x, y]) => (x - R * y) / ybar);
    const zbar = z.reduce((s, v) => s + v, 0) / z.length;
    const s2 = z.reduce((s, v) => s + (v - zbar) ** 2, 0) / (z.length - 1);
    const r = ratioDelta(sums(pairs));
    expect(r.ratio).toBeCloseTo(R, 14);
    expect(r.variance).toBeCloseTo(s2 / pairs.length, 12);
  });

  it("is zero when every view has the same ratio, and the difference of two arms adds variances", () => {
    expect(
      ratioDelta(
        sums([
          [1, 10],
          [2, 20],
          [3, 30],
        ]),
      ).variance,
    ).toBeCloseTo(0, 15);
    const a = sums(pairs);
    const b = sums(pairs.map(([x, y]) => [x * 2, y] as [number, number]));
    const d = deltaRatio(a, b);
    expect(d.diff).toBeCloseTo(12 / 93, 14);
    expect(d.se).toBeCloseTo(Math.sqrt(ratioDelta(a).variance + ratioDelta(b).variance), 14);
    expect(d.ci[1] - d.diff).toBeCloseTo(Z975 * d.se, 12);
  });
});
