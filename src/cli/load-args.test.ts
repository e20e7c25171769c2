import { describe, expect, it } from "vitest";
import { parseCount, parseDuration, parseLoadArgs } from "./load-args.ts";

describe("parseLoadArgs", () => {
  it("has defaults that stop by themselves", () => {
    const o = parseLoadArgs(["--key", "wk", "--run-id", "r1"]);
    expect(o).toMatchObject({
      url: "http://127.0.0.1:8080",
      key: "wk",
      mode: { kind: "concurrency", workers: 32 },
      batch: 1,
      durationMs: 30_000,
      events: undefined,
      runId: "r1",
      verify: false,
      retries: 3,
      catalog: true,
      freshnessEveryMs: 1000,
    });
  });

  it("reads the open model, batches, counts and verification targets", () => {
    const o = parseLoadArgs([
      "--key",
      "wk",
      "--rate",
      "5k",
      "--batch",
      "100",
      "--events",
      "1m",
      "--verify",
      "--clickhouse-url",
      "http://ch:8123/",
      "--database",
      "pp_x",
      "--url",
      "http://10.0.0.1:9000/",
    ]);
    expect(o).toMatchObject({
      mode: { kind: "rate", eventsPerSecond: 5000 },
      batch: 100,
      events: 1_000_000,
      durationMs: undefined,
      verify: true,
      clickhouse: { url: "http://ch:8123", database: "pp_x" },
      url: "http://10.0.0.1:9000",
    });
  });

  it.each([
    [["--rate", "10"], /--key/],
    [["--key", "k", "--rate", "10", "--concurrency", "2"], /exclusive/],
    [["--key", "k", "--verify"], /--verify needs/],
    [["--key", "k", "--clickhouse-url", "http://x"], /go together/],
    [["--key", "k", "--database", "a-b", "--clickhouse-url", "http://x"], /--database/],
    [["--key", "k", "--duration", "soon"], /--duration/],
    [["--key", "k", "--batch", "0"], /--batch: must be at least 1/],
    [["--key", "k", "--url", "https://x/y"], /--url/],
    [["--key", "k", "--run-id", "a.b"], /--run-id/],
    [["--key", "k", "extra"], /unexpected argument/],
  ])("rejects %j", (args, message) => {
    expect(() => parseLoadArgs(args)).toThrow(message);
  });
});

describe("parseDuration and parseCount", () => {
  it.each([
    ["30s", 30_000],
    ["2m", 120_000],
    ["1500ms", 1500],
    ["1h", 3_600_000],
    ["5", 5000],
    ["0.5s", 500],
  ])("duration %s = %i ms", (raw, ms) => {
    expect(parseDuration(raw, "--d")).toBe(ms);
  });

  it.each([
    ["5000", 5000],
    ["10k", 10_000],
    ["1.5m", 1_500_000],
    ["10_000", 10_000],
  ])("count %s = %i", (raw, n) => {
    expect(parseCount(raw, "--n")).toBe(n);
  });
});
