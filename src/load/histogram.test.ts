import { describe, expect, it } from "vitest";
import { Histogram } from "./histogram.ts";

describe("Histogram", () => {
  it("is exact below 256", () => {
    const h = new Histogram();
    for (let v = 0; v < 256; v++) h.record(v);
    expect([h.percentile(0), h.percentile(50), h.percentile(100), h.count, h.min, h.max]).toEqual([
      0, 127, 255, 256, 0, 255,
    ]);
  });

  it.each([50, 90, 99, 99.9])("p%s of 1..1,000,000 is within 0.8 %% of the truth", (p) => {
    const h = new Histogram();
    for (let v = 1; v <= 1_000_000; v++) h.record(v);
    const truth = Math.ceil((p / 100) * 1_000_000);
    expect(Math.abs(h.percentile(p) - truth) / truth).toBeLessThan(0.008);
  });

  it("answers the exact max and never more than it", () => {
    const h = new Histogram();
    [1000, 1001, 123_456].forEach((v) => h.record(v));
    expect(h.percentile(100)).toBe(123_456);
    expect(h.max).toBe(123_456);
  });

  it("is empty-safe", () => {
    const h = new Histogram();
    expect([h.percentile(99), h.mean(), h.snapshot()]).toEqual([0, 0, { counts: [], min: 0, max: 0, sum: 0 }]);
  });

  it("merges, and survives a JSON round trip", () => {
    const a = new Histogram();
    const b = new Histogram();
    for (let v = 1; v <= 500; v++) a.record(v);
    for (let v = 501; v <= 1000; v++) b.record(v);
    a.merge(b);
    const c = Histogram.from(JSON.parse(JSON.stringify(a.snapshot())) as ReturnType<Histogram["snapshot"]>);
    expect([c.count, c.min, c.max, c.sum, c.percentile(50)]).toEqual([1000, 1, 1000, 500_500, a.percentile(50)]);
    expect(Math.abs(c.percentile(50) - 500)).toBeLessThanOrEqual(4);
  });

  it.each([
    [-5, 0],
    [2.6, 3],
    [2 ** 40, 2 ** 32 - 1],
  ])("clamps and rounds %s to %s", (input, stored) => {
    const h = new Histogram();
    h.record(input);
    expect(h.max).toBe(stored);
  });
});
