import { describe, expect, it } from "vitest";
import { cover, resolutionsFor } from "./view-facts.ts";

const R = [3_600_000, 60_000, 1];
const H = 3_600_000;
const M = 60_000;

describe("cover", () => {
  it.each([
    ["empty", 5, 5, []],
    ["inside one minute", 1_001, 41_999, [{ res: 1, lo: 1_001, hi: 41_999 }]],
    ["whole minutes", 2 * M, 5 * M, [{ res: M, lo: 2 * M, hi: 5 * M }]],
    [
      "hours with ragged edges",
      90_000,
      2 * H + 30_500,
      [
        { res: 1, lo: 90_000, hi: 2 * M },
        { res: M, lo: 2 * M, hi: H },
        { res: H, lo: H, hi: 2 * H },
        { res: M, lo: 2 * H, hi: 2 * H },
        { res: 1, lo: 2 * H, hi: 2 * H + 30_500 },
      ].filter((p) => p.lo < p.hi),
    ],
  ] as const)("%s", (_name, from, to, pieces) => {
    expect(cover(from, to, R)).toEqual(pieces);
  });

  it("partitions any range exactly: pieces are whole buckets, disjoint, in order, and fill [from, to)", () => {
    let seed = 1;
    const rand = () => ((seed = (seed * 1664525 + 1013904223) >>> 0), seed / 2 ** 32);
    for (let i = 0; i < 500; i++) {
      const from = Math.floor(rand() * 10 * H);
      const to = from + Math.floor(rand() * rand() * 30 * H);
      const pieces = cover(from, to, R);
      let at = from;
      for (const p of pieces) {
        expect(p.lo).toBe(at);
        expect(p.lo < p.hi && p.lo % p.res === 0 && p.hi % p.res === 0).toBe(true);
        at = p.hi;
      }
      expect(at).toBe(from < to ? to : from);
      expect(pieces.filter((p) => p.res === H).length).toBeLessThanOrEqual(1);
    }
  });

  it.each([
    [60_000, [60_000, 1]],
    [300_000, [60_000, 1]],
    [3_600_000, [3_600_000, 60_000, 1]],
    [86_400_000, [3_600_000, 60_000, 1]],
  ])("a step of %i ms reads the resolutions %j", (step, res) => {
    expect(resolutionsFor(step)).toEqual(res);
  });
});
