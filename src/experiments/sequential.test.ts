import normalQuantile from "@stdlib/stats-base-dists-normal-quantile";
import { describe, expect, it } from "vitest";
import { msprtHalfWidth, msprtLogLambda, optimalMixingRatio, sequentialInterval } from "./sequential.ts";
import { seeded } from "./simulate.ts";
import { twoProportionZ } from "./tests.ts";

describe("mSPRT always-valid interval", () => {
  it("inverts the mixture likelihood ratio: at the interval's edge Λ = 1/α", () => {
    for (const [v, tau2] of [
      [1, 8.2],
      [0.0004, 0.001],
      [25, 3],
    ] as const) {
      const half = msprtHalfWidth(v, tau2, 0.05);
      expect(msprtLogLambda(half, v, tau2)).toBeCloseTo(Math.log(20), 9);
    }
  });

  it("is narrowest at the optimal mixing ratio r* = 2 ln(1/α) + ln(1 + r*) and always wider than the fixed interval", () => {
    const r = optimalMixingRatio(0.05);
    expect(r).toBeCloseTo(2 * Math.log(20) + Math.log1p(r), 12);
    const at = (k: number) => msprtHalfWidth(1, k, 0.05);
    expect(at(r)).toBeLessThan(at(r * 0.9));
    expect(at(r)).toBeLessThan(at(r * 1.1));
    expect(at(r)).toBeGreaterThan(normalQuantile(0.975, 0, 1));
  });

  it("covers the true difference at every look in ≥ 95 % of runs, where peeking at the fixed interval does not", () => {
    // 400 runs of 10,000 views per arm, completion 0.30 vs 0.32, looked at every 250 views per arm.
    const runs = 400;
    const truth = 0.02;
    let seqMissed = 0;
    let fixedMissed = 0;
    for (let run = 0; run < runs; run++) {
      const rand = seeded(1000 + run);
      const a = { x: 0, n: 0 };
      const b = { x: 0, n: 0 };
      let seqOut = false;
      let fixedOut = false;
      while (a.n < 10_000) {
        for (let i = 0; i < 250; i++) {
          a.n++;
          b.n++;
          if (rand() < 0.3) a.x++;
          if (rand() < 0.32) b.x++;
        }
        const c = twoProportionZ(a, b);
        const s = sequentialInterval(c.diff, c.se, a.n + b.n, 20_000);
        if (truth < s.ci[0] || truth > s.ci[1]) seqOut = true;
        if (truth < c.ci[0] || truth > c.ci[1]) fixedOut = true;
      }
      if (seqOut) seqMissed++;
      if (fixedOut) fixedMissed++;
    }
    // Monte-Carlo error of a rate near 0.05 over 400 runs: √(0.05·0.95/400) ≈ 0.011; allow 2.5 of them.
    expect(seqMissed / runs).toBeLessThanOrEqual(0.05 + 2.5 * 0.011);
    // Forty looks at a fixed-horizon 95 % interval miss far more often than 5 %: what the sequential one guards against.
    expect(fixedMissed / runs).toBeGreaterThan(0.15);
  });
});
