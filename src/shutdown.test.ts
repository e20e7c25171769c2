import { describe, expect, it } from "vitest";
import { runShutdown, type ShutdownReport, type ShutdownStep } from "./shutdown.ts";

/** The report without its timings, after checking each is a whole number of milliseconds. */
function untimed(report: ShutdownReport) {
  for (const s of report.steps) expect(Number.isInteger(s.ms) && s.ms >= 0).toBe(true);
  return { ...report, steps: report.steps.map(({ ms: _ms, ...rest }) => rest) };
}

/** Steps that record when they start and finish, so the test sees the order and that none overlap. */
function recorder() {
  const log: string[] = [];
  const step = (name: string, outcome: () => boolean | void = () => undefined): ShutdownStep => ({
    name,
    run: async () => {
      log.push(`start ${name}`);
      await new Promise((resolve) => setImmediate(resolve));
      log.push(`end ${name}`);
      return outcome();
    },
  });
  return { log, step };
}

describe("runShutdown", () => {
  it("runs the steps one after another, in order, and reports a clean stop", async () => {
    const { log, step } = recorder();
    const names = [
      "http: stop accepting",
      "ingest: finish in-flight publishes",
      "consumers: flush batches and ack",
      "nats: drain and close",
      "clickhouse: close",
    ];
    const report = await runShutdown(names.map((n) => step(n, () => true)));
    expect(log).toEqual(names.flatMap((n) => [`start ${n}`, `end ${n}`]));
    expect(untimed(report)).toEqual({ clean: true, steps: names.map((name) => ({ name, ok: true })) });
  });

  it("marks the stop unclean when a step throws, and still runs the later steps", async () => {
    const { log, step } = recorder();
    const report = await runShutdown([
      step("a"),
      {
        name: "b",
        run: () => {
          log.push("start b");
          return Promise.reject(new Error("flush failed: clickhouse unreachable"));
        },
      },
      step("c"),
    ]);
    expect(log).toEqual(["start a", "end a", "start b", "start c", "end c"]);
    expect(untimed(report)).toEqual({
      clean: false,
      steps: [
        { name: "a", ok: true },
        { name: "b", ok: false, error: "flush failed: clickhouse unreachable" },
        { name: "c", ok: true },
      ],
    });
  });

  it("marks the stop unclean when a step returns false (a batch that could not be flushed)", async () => {
    const { log, step } = recorder();
    const report = await runShutdown([step("consumers", () => false), step("nats"), step("clickhouse", () => true)]);
    expect(log).toEqual([
      "start consumers",
      "end consumers",
      "start nats",
      "end nats",
      "start clickhouse",
      "end clickhouse",
    ]);
    expect(untimed(report)).toEqual({
      clean: false,
      steps: [
        { name: "consumers", ok: false },
        { name: "nats", ok: true },
        { name: "clickhouse", ok: true },
      ],
    });
  });

  it("records a thrown non-Error as text and keeps going after several failures", async () => {
    const report = await runShutdown([
      { name: "x", run: () => Promise.reject(new Error("one")) },
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- a third-party step may reject with anything
      { name: "y", run: () => Promise.reject("two") },
      { name: "z", run: () => Promise.resolve() },
    ]);
    expect(untimed(report)).toEqual({
      clean: false,
      steps: [
        { name: "x", ok: false, error: "one" },
        { name: "y", ok: false, error: "two" },
        { name: "z", ok: true },
      ],
    });
  });

  it("is clean with no steps", async () => {
    expect(untimed(await runShutdown([]))).toEqual({ clean: true, steps: [] });
  });
});

describe("runShutdown timings", () => {
  it("reports how long each step took, so a slow stop names its slow step", async () => {
    const report = await runShutdown([
      { name: "slow", run: () => new Promise<void>((resolve) => setTimeout(resolve, 60)) },
      { name: "quick", run: () => Promise.resolve() },
    ]);
    const [slow, quick] = report.steps;
    expect(slow?.ms).toBeGreaterThanOrEqual(55); // timers may fire a little early
    expect(quick?.ms).toBeLessThan(slow?.ms ?? 0);
  });
});
