import { describe, expect, it } from "vitest";
import type { RuntimeName } from "../../src/http/runtimes.ts";
import { isFlat, nextRate, reported, type Attempt } from "./e2e.ts";
import { eventsPerMessage } from "./lag.ts";
import { computeRatios, expectedRowIds, renderRuntimes, renderTable, type BenchRow } from "./table.ts";

const row = (id: string, eventsPerSec: number | null, extra: Partial<BenchRow> = {}): BenchRow => ({
  id,
  group: id.startsWith("ceiling")
    ? "ceiling"
    : id.startsWith("baseline")
      ? "baseline"
      : id.startsWith("ingest")
        ? "ingest"
        : "pipeline",
  label: id,
  eventsPerSec,
  p50Ms: 1,
  p99Ms: 2,
  procs: [{ name: "ingest", cpuPct: 95, peakRssMb: 120 }],
  note: "",
  ...extra,
});

describe("bench table", () => {
  it("lists every row for the runtimes asked for", () => {
    expect(expectedRowIds(["node"])).toEqual([
      "ceiling.http.node.1",
      "ceiling.http.node.100",
      "ceiling.js.publish",
      "ceiling.js.core",
      "ceiling.js.deliver",
      "ceiling.js.deliver.ackall",
      "ceiling.ch.raw",
      "ceiling.ch.client",
      "ceiling.ch.paced",
      "ingest.node.1",
      "ingest.node.100",
      "ingest.node.ws.1",
      "ingest.node.ws.100",
      "consumers.drain",
      "consumers.drain.serial",
      "consumers.drain.packed",
      "consumers.drain.packed.5k",
      "pipeline.1",
      "pipeline.1.half",
      "pipeline.100",
      "pipeline.freshness",
      "pipeline.packed.100",
      "pipeline.packed.1",
      "pipeline.packed.1.half",
      "up.3000x20",
      "scaleout.1",
      "scaleout.100",
      "baseline.naive.ingest",
      "baseline.naive.e2e",
    ]);
  });

  it("divides each figure by its tightest ceiling and by the naive baseline", () => {
    const rows = [
      row("ceiling.http.node.1", 30_000),
      row("ceiling.http.node.100", 400_000),
      row("ceiling.js.publish", 25_000),
      row("ceiling.js.core", 120_000),
      row("ceiling.ch.raw", 200_000),
      row("ceiling.ch.client", 60_000),
      row("ingest.node.1", 15_000),
      row("ingest.node.100", 60_000),
      row("ingest.node.ws.1", 6_000),
      row("pipeline.1", 12_000),
      row("pipeline.100", 50_000),
      row("ceiling.http.bun.1", 20_000),
      row("pipeline.edge.bun.1", 10_000),
      row("baseline.naive.ingest", 3000),
      row("baseline.naive.e2e", 500),
    ];
    computeRatios(rows, "node");
    const r = Object.fromEntries(
      rows.filter((x) => x.vsCeiling !== undefined).map((x) => [x.id, [x.vsCeiling, x.vsNaive]]),
    );
    expect(r).toEqual({
      "ingest.node.1": [0.5, 5], // min(HTTP 30k, JetStream best 120k)
      "ingest.node.100": [0.5, 20], // min(HTTP 400k, 120k)
      "ingest.node.ws.1": [0.2, 2], // over WebSocket: the same ceilings as over TCP
      "pipeline.1": [0.4, 24], // min(30k, 120k, ClickHouse best 200k)
      "pipeline.100": [50_000 / 120_000, 100],
      "pipeline.edge.bun.1": [0.5, 20], // the edge on Bun: Bun's HTTP ceiling, min(20k, 120k, 200k)
    });
  });

  it("adds a single-event pipeline row for each edge runtime but the reference one", () => {
    const edgeRows = (rts: RuntimeName[], ref: RuntimeName) =>
      expectedRowIds(rts, ref).filter((id) => id.startsWith("pipeline.edge."));
    expect(edgeRows(["node", "bun", "deno"], "node")).toEqual(["pipeline.edge.bun.1", "pipeline.edge.deno.1"]);
    expect(edgeRows(["node", "bun"], "bun")).toEqual(["pipeline.edge.node.1"]);
  });

  it("leaves ratios empty when a ceiling did not run", () => {
    const rows = [row("ingest.bun.1", 1000), row("ceiling.http.bun.1", null, { error: "bun not installed" })];
    computeRatios(rows, "node");
    expect(rows[0]?.vsCeiling).toBeNull();
  });

  it("renders a row per measurement, failed ones with their reason", () => {
    const text = renderTable([
      row("pipeline.1", 12_345, { vsCeiling: 0.42, vsNaive: 24.6, note: "a|b" }),
      row("ceiling.http.bun.1", null, { error: "bun not installed" }),
    ]);
    const lines = text.split("\n");
    expect(lines).toHaveLength(4);
    expect(lines[2]).toBe("| pipeline.1 | 12,345 | 1.00 | 2.00 | 42 % | 25× | ingest 95 % / 120 MB | a/b |");
    expect(lines[3]).toBe("| ceiling.http.bun.1 | not run | | | | | | bun not installed |");
    const runtimes = renderRuntimes(
      [row("ingest.node.1", 100), row("ingest.node.ws.100", 50), row("pipeline.1", 40), row("pipeline.edge.bun.1", 60)],
      ["node", "bun"],
      "node",
    ).split("\n");
    expect(runtimes[2]).toBe(
      "| node | not run | 100 (p99 2.00 ms) | not run | not run | not run | 50 (p99 2.00 ms) | 40 (p99 2.00 ms) |",
    );
    expect(runtimes[3]).toBe("| bun | not run | not run | not run | not run | not run | not run | 60 (p99 2.00 ms) |");
  });
});

describe("isFlat", () => {
  it.each([
    [[0, 100, 200, 150, 180], 1000, true], // below 2 s of input
    [[15_000, 19_000, 23_000, 27_000], 1000, false], // grows 8000/s at 1000/s input
    [[15_000, 15_100, 15_050, 15_100], 1000, true], // high but level
    [[0, 6000, 2000, 9000], 1000, true], // the sawtooth of 5,000-event batches: within two batches
    [[0, 5000, 10_000, 15_000], 1000, true], // ramping up to the three batches one puller holds
    [[0, 5000, 10_000, 15_001], 1000, false], // past them, still growing
    [[20_000, 30_000, 25_000, 35_000], 20_000, true], // ends below 2 s of input at 20,000/s
    [[], 1000, true],
  ])("%j at %i/s is flat: %s", (series, rate, flat) => {
    expect(isFlat(series, rate)).toBe(flat);
  });

  it("allows each puller of a durable its three batches in hand (the scale-out's two replicas)", () => {
    const ramp = [0, 6000, 12_000, 17_674];
    expect([isFlat(ramp, 3988, 1), isFlat(ramp, 3988, 2)]).toEqual([false, true]);
  });
});

describe("eventsPerMessage: a window's lag in events", () => {
  it.each([
    [200_000, 14_568, 200_000 / 14_568], // the packed drain's backlog: 13.7 events a message
    [60_000, 60_000, 1], // one message per event
    [0, 0, 1], // nothing stored
    [500, 520, 1], // more messages than events (catalog, markers): never below one
  ])("%i events in %i messages: %d", (events, messages, perMessage) => {
    expect(eventsPerMessage(events, messages)).toBe(perMessage);
  });
});

describe("the search for the maximum sustainable rate", () => {
  /** Runs the search against a pipeline that holds every rate up to `max`, from `start`. */
  const search = (start: number, max: number, ups = 8, downs = 2): Attempt[] => {
    const attempts: Attempt[] = [];
    for (let rate: number | undefined = start; rate !== undefined; rate = nextRate(attempts, ups, downs))
      attempts.push({ rate, held: rate <= max });
    return attempts;
  };

  it("steps up 10 % while runs hold, and reports the last that held", () => {
    const attempts = search(10_000, 12_500);
    expect(attempts.map((a) => a.rate)).toEqual([10_000, 11_000, 12_100, 13_310]);
    expect(reported(attempts)?.rate).toBe(12_100);
  });

  it("stops after eight steps up even when all of them held", () => {
    const attempts = search(10_000, 100_000);
    expect(attempts.map((a) => a.rate)).toEqual([
      10_000, 11_000, 12_100, 13_310, 14_641, 16_105, 17_715, 19_486, 21_434,
    ]);
    expect(reported(attempts)?.rate).toBe(21_434);
  });

  it("steps down 20 % while none has held, then up again from the first that holds", () => {
    const attempts = search(10_000, 7_000);
    expect(attempts.map((a) => a.rate)).toEqual([10_000, 8_000, 6_400, 7_040]);
    expect(reported(attempts)?.rate).toBe(6_400);
  });

  it("reports the last failing run when three tries down all failed", () => {
    const attempts = search(10_000, 1_000);
    expect(attempts.map((a) => a.rate)).toEqual([10_000, 8_000, 6_400]);
    expect(reported(attempts)).toEqual({ rate: 6_400, held: false });
  });

  it("confirms once in quick mode, whatever the outcome", () => {
    expect(search(10_000, 100_000, 0, 0)).toEqual([{ rate: 10_000, held: true }]);
    expect(search(10_000, 1_000, 0, 0)).toEqual([{ rate: 10_000, held: false }]);
  });

  it("steps by at least one event/s at the naive baseline's rates", () => {
    expect(search(5, 8).map((a) => a.rate)).toEqual([5, 6, 7, 8, 9]);
  });
});
