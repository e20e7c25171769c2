import { describe, expect, it } from "vitest";
import { toMetrics, type MetricRow, type Metrics } from "./metrics-sql.ts";

const row = (r: Partial<Record<keyof MetricRow, unknown>>): MetricRow => ({
  views: "0",
  plays: "0",
  unique_viewers: "0",
  watch_time_ms: "0",
  completions: "0",
  startup_ms_p50: "0",
  startup_ms_p95: "0",
  rebuffer_ms: "0",
  exits_before_start: "0",
  failures: "0",
  ...r,
});

const EMPTY: Metrics = {
  views: 0,
  plays: 0,
  unique_viewers: 0,
  watch_time_ms: 0,
  completions: 0,
  completion_rate: null,
  startup_ms_p50: null,
  startup_ms_p95: null,
  rebuffer_ratio: null,
  exits_before_start: 0,
  failures: 0,
  failure_rate: null,
};

describe("toMetrics", () => {
  it.each([
    ["no row", undefined],
    ["an all-zero row (ClickHouse answers 0 for an empty quantile)", row({})],
  ])("%s: counts 0, ratios and percentiles null", (_name, r) => {
    expect(toMetrics(r)).toEqual(EMPTY);
  });

  it("reads 64-bit strings and computes the ratios", () => {
    const r = row({
      views: "4",
      plays: "3",
      unique_viewers: "2",
      watch_time_ms: "90000",
      completions: "1",
      startup_ms_p50: "800",
      startup_ms_p95: "1200",
      rebuffer_ms: "10000",
      exits_before_start: "1",
      failures: "1",
    });
    expect(toMetrics(r)).toEqual({
      views: 4,
      plays: 3,
      unique_viewers: 2,
      watch_time_ms: 90_000,
      completions: 1,
      completion_rate: 1 / 3,
      startup_ms_p50: 800,
      startup_ms_p95: 1200,
      rebuffer_ratio: 0.1,
      exits_before_start: 1,
      failures: 1,
      failure_rate: 0.25,
    });
  });

  it("reads plain numbers too", () => {
    expect(
      toMetrics(
        row({ views: 2, plays: 2, completions: 2, startup_ms_p50: 100, startup_ms_p95: 300, watch_time_ms: 1000 }),
      ),
    ).toEqual({
      ...EMPTY,
      views: 2,
      plays: 2,
      watch_time_ms: 1000,
      completions: 2,
      completion_rate: 1,
      startup_ms_p50: 100,
      startup_ms_p95: 300,
      rebuffer_ratio: 0,
      failure_rate: 0,
    });
  });

  it.each([
    [
      "plays but no views in range: failure_rate null, completion_rate set",
      { plays: "2", completions: "1" },
      { completion_rate: 0.5, failure_rate: null },
    ],
    [
      "views but no plays: percentiles and completion_rate null",
      { views: "3", failures: "3", startup_ms_p50: "0" },
      { completion_rate: null, startup_ms_p50: null, failure_rate: 1 },
    ],
    ["only rebuffering: ratio 1", { rebuffer_ms: "500" }, { rebuffer_ratio: 1 }],
    ["no play time and no rebuffering: ratio null", { views: "1" }, { rebuffer_ratio: null }],
    ["rebuffer / (played + rebuffer)", { watch_time_ms: "3000", rebuffer_ms: "1000" }, { rebuffer_ratio: 0.25 }],
  ])("%s", (_name, r, expected) => {
    expect(toMetrics(row(r))).toMatchObject(expected);
  });
});
