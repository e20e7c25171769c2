import { describe, expect, it } from "vitest";
import { sortRows } from "./breakdown.ts";
import { DIMENSIONS as PAGE_DIMENSIONS } from "../dashboard/client/dimensions.ts";
import { DIMENSIONS, parseDimension, parseStep } from "./dimensions.ts";
import { toMetrics } from "./metrics-sql.ts";

const HOUR = 3_600_000;

describe("parseStep", () => {
  it.each([
    [undefined, 5000],
    ["", 5000],
    ["5s", 5000],
    ["30s", 30_000],
    ["1m", 60_000],
    ["2h", 7_200_000],
    ["1d", 86_400_000],
  ])("%s -> %i ms", (raw, ms) => expect(parseStep(raw, 5000, 5000, HOUR, 1000)).toBe(ms));

  it.each([
    ["7s", "a multiple of 5s"],
    ["0s", "must be a duration"],
    ["5", "must be a duration"],
    ["1w", "must be a duration"],
    ["-5s", "must be a duration"],
  ])("refuses %s", (raw, message) => expect(() => parseStep(raw, 5000, 5000, HOUR, 1000)).toThrow(message));

  it("refuses more points than allowed", () =>
    expect(() => parseStep("5s", 5000, 5000, 24 * HOUR, 1000)).toThrow("more than 1000 points"));
});

describe("parseDimension", () => {
  it.each(["cdn", "country", "device.type", "device.os", "device.player", "experiment_variant", "region"])("%s", (d) =>
    expect(parseDimension(d)).toBe(d),
  );
  it.each([
    [undefined, "dimension: required"],
    ["device", 'got "device"'],
    ["constructor", 'got "constructor"'],
  ])("refuses %s", (raw, message) => expect(() => parseDimension(raw)).toThrow(message));
});

describe("sortRows", () => {
  const row = (value: string | null, views: number, failures: number) => ({
    value,
    ...toMetrics({ views, failures } as never),
  });
  const rows = [row("b", 10, 1), row(null, 3, 3), row("a", 10, 1), row("c", 0, 0)];

  it("sorts by a ratio, worst first, nulls last, ties by value", () =>
    expect(sortRows(rows, "failure_rate", "desc").map((r) => r.value)).toEqual([null, "a", "b", "c"]));
  it("ascending keeps nulls last", () =>
    expect(sortRows(rows, "failure_rate", "asc").map((r) => r.value)).toEqual(["a", "b", null, "c"]));
  it("by views", () => expect(sortRows(rows, "views", "desc").map((r) => r.value)).toEqual(["a", "b", null, "c"]));
});

describe("the dashboard's breakdown dimensions (src/dashboard/client/dimensions.ts)", () => {
  it("are exactly the dimensions the API groups by, each with a label", () => {
    expect(PAGE_DIMENSIONS.map(([name]) => name).sort()).toEqual(Object.keys(DIMENSIONS).sort());
    for (const [name, label] of PAGE_DIMENSIONS) expect(label, name).toMatch(/^[A-Z]/);
  });
});
