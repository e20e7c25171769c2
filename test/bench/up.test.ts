import { describe, expect, it } from "vitest";
import { upRow, UP_ROW, type UpRun } from "./up.ts";

function run(p50: number, p99: number, accepted: number, ok: boolean | null, fresh: number | null = 1400): UpRun {
  const pct = (x: number) => ({ p50: x, p90: x, p95: x, p99: x, p999: x, max: x, mean: x });
  return {
    summary: {
      latency_ms: { ...pct(p50), p99, samples: 100 },
      freshness_ms: fresh === null ? null : { ...pct(fresh), samples: 20, timeouts: 0, via: "query-api" },
      throughput: { events_per_s: accepted / 20, accepted_per_s: accepted / 20, requests_per_s: accepted / 400 },
      events: { sent: accepted, accepted, duplicates: 0, rejected: 0, unconfirmed: 0, distinct_accepted: accepted },
      verify:
        ok === null
          ? null
          : {
              ok,
              via: "clickhouse",
              ids: [],
              unconfirmedStored: 0,
              titlesChecked: 1,
              titleDiffs: [],
              waitedMs: 0,
              notes: [],
            },
    },
    procs: [{ name: "up", cpuPct: p99, peakRssMb: 200 }],
  };
}

describe("the playpulse up row", () => {
  it("takes the median run by p99 and lists every run in run order", () => {
    const row = upRow("up", [
      run(3.1, 28.2, 60_000, true),
      run(2.9, 20.1, 59_980, true),
      run(3.4, 122.5, 60_020, true),
    ]);
    expect(row).toEqual({
      id: UP_ROW,
      group: "pipeline",
      label: "up",
      eventsPerSec: 3000,
      p50Ms: 3.1,
      p99Ms: 28.2,
      procs: [{ name: "up", cpuPct: 28.2, peakRssMb: 200 }],
      note: "3 runs in run order: p50 3.1 / 2.9 / 3.4 ms, p99 28.2 / 20.1 / 123 ms; freshness p95 1,400 / 1,400 / 1,400 ms; accepted 60,000 / 59,980 / 60,020 events; verify OK ×3; the figures are the median run's (by p99)",
    });
  });

  it("fails the row when a run's verification failed or did not run, and keeps the figures", () => {
    const row = upRow("up", [run(3, 30, 60_000, true), run(3, 40, 60_000, false, null), run(3, 50, 60_000, null)]);
    expect(row.p99Ms).toBe(40);
    expect(row.error).toBe(
      "--verify failed in 2 of 3 runs; 3 runs in run order: p50 3.0 / 3.0 / 3.0 ms, p99 30.0 / 40.0 / 50.0 ms; freshness p95 1,400 / – / 1,400 ms; accepted 60,000 / 60,000 / 60,000 events; verify FAILED in 2 of 3; the figures are the median run's (by p99)",
    );
  });

  it("names a single run as one", () => {
    expect(upRow("up", [run(3.58, 32.1, 9_000, true)]).note).toBe(
      "1 run: p50 3.6 ms, p99 32.1 ms; freshness p95 1,400 ms; accepted 9,000 events; verify OK ×1; the figures are the median run's (by p99)",
    );
  });

  it("fails the row when no run finished", () => {
    expect(upRow("up", []).error).toBe("no run finished");
  });
});
