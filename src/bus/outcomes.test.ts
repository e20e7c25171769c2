import { describe, expect, it } from "vitest";
import { backoffMs, deadLetter, jitteredBackoffMs, ok, retry } from "./outcomes.ts";

describe("backoffMs", () => {
  it.each([
    [-3, 500],
    [0, 500],
    [1, 500],
    [2, 1000],
    [3, 2000],
    [4, 4000],
    [5, 8000],
    [6, 16_000],
    [7, 30_000],
    [8, 30_000],
    [1000, 30_000],
  ])("attempt %d waits %d ms", (attempt, ms) => {
    expect(backoffMs(attempt)).toBe(ms);
  });

  it.each([
    [1, 100, 1000, 100],
    [4, 100, 1000, 800],
    [5, 100, 1000, 1000],
  ])("attempt %d with base %d and cap %d waits %d ms", (attempt, base, cap, ms) => {
    expect(backoffMs(attempt, base, cap)).toBe(ms);
  });
});

describe("jitteredBackoffMs (full jitter)", () => {
  it.each([
    [1, 0, 0],
    [1, 0.5, 250],
    [1, 0.999, 500],
    [3, 0.25, 500],
    [8, 0.5, 15_000],
  ])("attempt %d with random() = %d waits %d ms", (attempt, r, ms) => {
    expect(jitteredBackoffMs(attempt, 500, 30_000, () => r)).toBe(ms);
  });

  it("spreads 1000 draws over the whole range up to the exponential backoff", () => {
    const waits = Array.from({ length: 1000 }, () => jitteredBackoffMs(4));
    expect(Math.min(...waits)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...waits)).toBeLessThanOrEqual(4000);
    // Uniform on [0, 4000]: each quarter holds about 250 draws; none is empty.
    const quarters = [0, 1, 2, 3].map((q) => waits.filter((w) => w >= q * 1000 && w < (q + 1) * 1000).length);
    expect(quarters.every((n) => n > 150)).toBe(true);
  });
});

describe("outcome constructors", () => {
  it.each([
    [ok([1, 2]), { kind: "ok", rows: [1, 2] }],
    [retry(250, "store busy"), { kind: "retry", delayMs: 250, reason: "store busy" }],
    [deadLetter("bad body"), { kind: "dead-letter", reason: "bad body" }],
  ])("%j", (outcome, expected) => {
    expect(outcome).toEqual(expected);
  });
});
