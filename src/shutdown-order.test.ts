import { describe, expect, it } from "vitest";
import { runShutdown, stopSequence, type ShutdownReport, type StopParts } from "./shutdown.ts";

/** The report without its timings, after checking each is a whole number of milliseconds. */
function untimed(report: ShutdownReport) {
  for (const s of report.steps) expect(Number.isInteger(s.ms) && s.ms >= 0).toBe(true);
  return { ...report, steps: report.steps.map(({ ms: _ms, ...rest }) => rest) };
}

/** Fake parts that log when each stop starts and ends, with an event-loop turn in between. */
function fakes(opts: { consumersClean?: boolean[] } = {}) {
  const log: string[] = [];
  const part = (name: string) => ({
    close: async () => {
      log.push(`${name} start`);
      await new Promise((resolve) => setImmediate(resolve));
      log.push(`${name} end`);
    },
  });
  const consumer = (name: string, clean: boolean) => ({
    stop: async () => {
      log.push(`${name} start`);
      await new Promise((resolve) => setImmediate(resolve));
      log.push(`${name} end`);
      return { clean };
    },
  });
  const parts: StopParts = {
    http: part("http"),
    publisher: part("publisher"),
    consumers: (opts.consumersClean ?? [true, true]).map((clean, i) => consumer(`consumer${i}`, clean)),
    bus: part("nats"),
    store: part("clickhouse"),
  };
  return { log, parts };
}

const NAMES = [
  "http: stop accepting",
  "ingest: finish in-flight publishes",
  "consumers: flush batches and ack",
  "nats: drain and close",
  "clickhouse: close",
];

describe("stopSequence (the order main.ts stops a process in)", () => {
  it("stops accepting, finishes publishes, flushes and acks every consumer, then closes NATS, then ClickHouse", async () => {
    const { log, parts } = fakes();
    const report = await runShutdown(stopSequence(parts));
    expect(log).toEqual([
      "http start",
      "http end",
      "publisher start",
      "publisher end",
      // The consumers stop together; NATS closes only after both flushed and acked.
      "consumer0 start",
      "consumer1 start",
      "consumer0 end",
      "consumer1 end",
      "nats start",
      "nats end",
      "clickhouse start",
      "clickhouse end",
    ]);
    expect(untimed(report)).toEqual({ clean: true, steps: NAMES.map((name) => ({ name, ok: true })) });
  });

  it("is unclean when one consumer could not flush its batch, and still closes NATS and ClickHouse", async () => {
    const { log, parts } = fakes({ consumersClean: [true, false] });
    const report = await runShutdown(stopSequence(parts));
    expect(log.slice(-4)).toEqual(["nats start", "nats end", "clickhouse start", "clickhouse end"]);
    expect(untimed(report)).toEqual({
      clean: false,
      steps: NAMES.map((name) => ({ name, ok: name !== "consumers: flush batches and ack" })),
    });
  });

  it.each([
    ["ingest only", { consumers: [] as StopParts["consumers"], store: undefined }],
    ["query only", { consumers: [] as StopParts["consumers"], publisher: undefined, bus: undefined }],
  ])("runs the same five steps for a process with parts missing (%s), cleanly", async (_label, missing) => {
    const { parts } = fakes();
    const report = await runShutdown(stopSequence({ ...parts, ...missing }));
    expect(untimed(report)).toEqual({ clean: true, steps: NAMES.map((name) => ({ name, ok: true })) });
  });
});
