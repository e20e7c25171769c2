import normalCdf from "@stdlib/stats-base-dists-normal-cdf";
import { describe, expect, it } from "vitest";
import { sampleRatioMismatch, SRM_ALPHA } from "./srm.ts";

describe("sample ratio mismatch", () => {
  it("flags 5,500/4,500 views against 50/50 weights: chi² = 100 (p = 2Φ(−10) for 1 df)", () => {
    const s = sampleRatioMismatch([
      { name: "control", weight: 50, views: 5500 },
      { name: "b", weight: 50, views: 4500 },
    ]);
    expect(s.chi2).toBe(100);
    expect(s.df).toBe(1);
    // Independent route: with 1 df, chi² = z², so p = 2Φ(−√chi²).
    expect(s.p).toBeCloseTo(2 * normalCdf(-10, 0, 1), 20);
    expect(s.flagged).toBe(true);
  });

  it("uses the weights: 5,500/4,500 against 55/45 is healthy", () => {
    const s = sampleRatioMismatch([
      { name: "control", weight: 55, views: 5500 },
      { name: "b", weight: 45, views: 4500 },
    ]);
    expect(s.chi2).toBeCloseTo(0, 12);
    expect(s).toMatchObject({ flagged: false, p: 1, expected: { control: 5500, b: 4500 } });
  });

  it("matches the closed form with 2 df, p = exp(−chi²/2), at and around the 0.001 threshold", () => {
    // 3 arms, equal weights, 3,000 views: expected 1,000 each.
    const cases: [number[], number][] = [
      [[1000, 1000, 1000], 0],
      [[1050, 1000, 950], 5],
      [[1090, 1000, 910], 16.2],
    ];
    for (const [views, chi2] of cases) {
      const s = sampleRatioMismatch(views.map((v, i) => ({ name: `v${i}`, weight: 1, views: v })));
      expect(s.chi2).toBeCloseTo(chi2, 10);
      expect(s.p).toBeCloseTo(Math.exp(-chi2 / 2), 12);
      expect(s.flagged).toBe(Math.exp(-chi2 / 2) < SRM_ALPHA);
    }
    expect(sampleRatioMismatch([1120, 1000, 880].map((v, i) => ({ name: `v${i}`, weight: 1, views: v }))).flagged).toBe(
      true,
    );
  });

  it("has no statistic before any view", () => {
    expect(
      sampleRatioMismatch([
        { name: "a", weight: 1, views: 0 },
        { name: "b", weight: 1, views: 0 },
      ]),
    ).toMatchObject({
      flagged: false,
      p: null,
      chi2: null,
    });
  });
});
