import { describe, expect, it } from "vitest";
import { createRng, createZipf, intBetween, weighted } from "./random.ts";

describe("createRng", () => {
  it("is deterministic per seed and differs between seeds", () => {
    const a = createRng(42);
    const b = createRng(42);
    const c = createRng(43);
    const sa = Array.from({ length: 5 }, () => a());
    expect(Array.from({ length: 5 }, () => b())).toEqual(sa);
    expect(Array.from({ length: 5 }, () => c())).not.toEqual(sa);
    expect(sa.every((x) => x >= 0 && x < 1)).toBe(true);
  });

  it("intBetween covers both ends", () => {
    const rng = createRng(1);
    const seen = new Set(Array.from({ length: 2000 }, () => intBetween(rng, 3, 6)));
    expect([...seen].sort()).toEqual([3, 4, 5, 6]);
  });

  it("weighted follows the weights", () => {
    const rng = createRng(5);
    let a = 0;
    for (let i = 0; i < 100_000; i++)
      if (
        weighted(rng, [
          ["a", 3],
          ["b", 1],
        ] as const) === "a"
      )
        a++;
    expect(a / 100_000).toBeGreaterThan(0.74);
    expect(a / 100_000).toBeLessThan(0.76);
  });
});

describe("createZipf", () => {
  it("gives rank 0 about 1/H(n) of the draws for s = 1, and ranks in range", () => {
    const n = 1000;
    const zipf = createZipf(n, 1);
    const rng = createRng(9);
    const counts = new Array<number>(n).fill(0);
    for (let i = 0; i < 200_000; i++) {
      const k = zipf(rng);
      counts[k] = (counts[k] ?? 0) + 1;
    }
    let harmonic = 0;
    for (let k = 1; k <= n; k++) harmonic += 1 / k;
    expect(Math.abs((counts[0] ?? 0) / 200_000 - 1 / harmonic)).toBeLessThan(0.005);
    expect((counts[0] ?? 0) / (counts[1] ?? 1)).toBeGreaterThan(1.8);
    expect(counts.length).toBe(n);
  });

  it.each([0, -1, 1.5])("rejects n = %s", (n) => {
    expect(() => createZipf(n, 1)).toThrow(/positive integer/);
  });
});
