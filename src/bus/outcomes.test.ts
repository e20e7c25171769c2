import { describe, expect, it } from "vitest";
import { backoffMs, deadLetter, ok, retry } from "./outcomes.ts";

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

describe("outcome constructors", () => {
  it.each([
    [ok([1, 2]), { kind: "ok", rows: [1, 2] }],
    [retry(250, "store busy"), { kind: "retry", delayMs: 250, reason: "store busy" }],
    [deadLetter("bad body"), { kind: "dead-letter", reason: "bad body" }],
  ])("%j", (outcome, expected) => {
    expect(outcome).toEqual(expected);
  });
});
