import { describe, expect, it } from "vitest";
import { cpuBudget, renderBudget, usPerEvent } from "./budget.ts";
import type { BenchRow } from "./table.ts";

const row = (id: string, eventsPerSec: number | null, procs: Record<string, number>, extra: Partial<BenchRow> = {}) =>
  ({
    id,
    group: id.startsWith("ceiling") ? "ceiling" : "pipeline",
    label: id,
    eventsPerSec,
    p50Ms: null,
    p99Ms: null,
    procs: Object.entries(procs).map(([name, cpuPct]) => ({ name, cpuPct, peakRssMb: 100 })),
    note: "",
    ...extra,
  }) satisfies BenchRow;

/**
 * Ceilings whose parts cost round figures: 10 + 5 + 10 + 10 + 20 + 20 + 10 + 15 = 100 µs per event;
 * with one ack per batch of deliveries 10 + 5 + 10 + 10 + 10 + 10 + 10 + 15 = 80.
 */
const ceilings = [
  row("ceiling.http.node.100", 100_000, { load: 100, server: 50, nats: 0 }), // 10 and 5 µs
  row("ceiling.js.core", 100_000, { worker: 100, nats: 100 }), // 10 and 10 µs
  row("ceiling.js.deliver", 50_000, { worker: 100, nats: 100 }), // 20 and 20 µs
  row("ceiling.js.deliver.ackall", 100_000, { worker: 100, nats: 100 }), // 10 and 10 µs
  row("ceiling.ch.paced", 100_000, { worker: 100, clickhouse: 150 }), // 10 and 15 µs
];
const pipeline = row(
  "pipeline.100",
  5000,
  { load: 10, ingest: 20, analytics: 15, recommendations: 15, content: 1, nats: 25, clickhouse: 5 },
  { vsCeiling: 0.05 },
);

describe("usPerEvent", () => {
  it.each([
    [row("r", 10_000, { p: 50 }), "p", 50], // half a core at 10,000/s: 50 µs each
    [row("r", 10_000, { p: 50 }), "q", null], // not sampled
    [row("r", null, { p: 50 }), "p", null],
    [row("r", 10_000, { p: 50 }, { error: "did not run" }), "p", null],
  ])("%#: %s of %j", (r, proc, expected) => {
    expect(usPerEvent(r, proc)).toBe(expected);
  });
});

describe("cpuBudget", () => {
  it("sets each process beside its parts, sums the parts into the design's limit on the cores given", () => {
    const b = cpuBudget([...ceilings, pipeline], "node", 2);
    expect(b).toEqual({
      perRequest: 100,
      rate: 5000,
      cores: 2,
      lines: [
        { process: "load", pipelineUs: 20, partsUs: 10, parts: "load generator" },
        { process: "ingest", pipelineUs: 40, partsUs: 15, parts: "HTTP parse + JetStream publish (client)" },
        {
          process: "analytics",
          pipelineUs: 30,
          partsUs: 15, // half of 20 + half of 10
          parts: "½ two deliveries, an ack each (client) + ½ two ClickHouse rows, in the consumers' batches (client)",
        },
        {
          process: "recommendations",
          pipelineUs: 30,
          partsUs: 15,
          parts: "½ two deliveries, an ack each (client) + ½ two ClickHouse rows, in the consumers' batches (client)",
        },
        { process: "content", pipelineUs: 2, partsUs: 0, parts: "none" },
        {
          process: "nats",
          pipelineUs: 50,
          partsUs: 30,
          parts: "JetStream publish (server) + two deliveries, an ack each (server)",
        },
        {
          process: "clickhouse",
          pipelineUs: 10,
          partsUs: 15,
          parts: "two ClickHouse rows, in the consumers' batches (server)",
        },
      ],
      pipelineUs: 182,
      partsUs: 100,
      limit: 20_000, // 2 cores × 1,000,000 µs ÷ 100 µs
      vsLimit: 0.25,
      vsTightest: 0.05,
      ackAll: { partsUs: 80, limit: 25_000 }, // the per-batch deliveries in place of the per-message ones
    });
    expect(b?.lines.reduce((a, l) => a + (l.partsUs ?? 0), 0)).toBe(b?.partsUs);
  });

  it("prices a single event with the 1-event HTTP ceiling and measures the single-event pipeline row", () => {
    // A single event pays a whole request: 40 µs of load generator and 20 of parse, against 10 and 5.
    const single = [
      row("ceiling.http.node.1", 25_000, { load: 100, server: 50, nats: 0 }), // 40 and 20 µs
      row("pipeline.1", 1000, {
        load: 10,
        ingest: 30,
        analytics: 5,
        recommendations: 5,
        content: 1,
        nats: 20,
        clickhouse: 10,
      }),
    ];
    const b = cpuBudget([...ceilings, ...single, pipeline], "node", 2, 1);
    expect([b?.perRequest, b?.rate, b?.partsUs, b?.limit, b?.vsLimit, b?.pipelineUs]).toEqual([
      1,
      1000,
      145, // 100 − 10 − 5 + 40 + 20
      2_000_000 / 145,
      1000 / (2_000_000 / 145),
      810, // (10 + 30 + 5 + 5 + 1 + 20 + 10) % of a core at 1,000/s
    ]);
    expect(b?.lines.slice(0, 2)).toEqual([
      { process: "load", pipelineUs: 100, partsUs: 40, parts: "load generator" },
      { process: "ingest", pipelineUs: 300, partsUs: 30, parts: "HTTP parse + JetStream publish (client)" },
    ]);
    expect(renderBudget(b).split("\n")[0]).toBe(
      "CPU budget per event at the single-event maximum (1,000 events/s, 1 event/request): µs of CPU per event in each process, beside what its parts cost alone in this run's ceilings (each at its own rate):",
    );
    expect(cpuBudget([...ceilings, pipeline], "node", 2, 1)).toBeUndefined();
    expect(renderBudget(undefined, 1)).toBe(
      "CPU budget per event at the single-event maximum: not computed (the single-event pipeline row did not run).",
    );
  });

  it("leaves the limit empty when a ceiling did not run, and is undefined without the pipeline row", () => {
    const b = cpuBudget([...ceilings.slice(1), pipeline], "node", 2);
    expect([b?.partsUs, b?.limit, b?.vsLimit, b?.lines[0]?.partsUs, b?.lines[2]?.partsUs]).toEqual([
      null,
      null,
      null,
      null,
      15,
    ]);
    expect(cpuBudget(ceilings, "node", 2)).toBeUndefined();
  });

  it("leaves only the AckPolicy.All alternative empty when its ceiling did not run", () => {
    const b = cpuBudget([...ceilings.filter((r) => r.id !== "ceiling.js.deliver.ackall"), pipeline], "node", 2);
    expect([b?.partsUs, b?.limit, b?.ackAll]).toEqual([100, 20_000, { partsUs: null, limit: null }]);
    expect(renderBudget(b).split("\n").at(-1)).toBe(
      "With one ack per batch of deliveries (`AckPolicy.All`): – (a ceiling it needs did not run).",
    );
  });

  it("renders a line per process, the total, the limit and both ratios", () => {
    expect(renderBudget(cpuBudget([...ceilings, pipeline], "node", 2)).split("\n")).toEqual([
      "CPU budget per event at the batched maximum (5,000 events/s, 100 events/request): µs of CPU per event in each process, beside what its parts cost alone in this run's ceilings (each at its own rate):",
      "",
      "| process | in the pipeline | its parts alone | the parts |",
      "|---|--:|--:|---|",
      "| load | 20 | 10 | load generator |",
      "| ingest | 40 | 15 | HTTP parse + JetStream publish (client) |",
      "| analytics | 30 | 15 | ½ two deliveries, an ack each (client) + ½ two ClickHouse rows, in the consumers' batches (client) |",
      "| recommendations | 30 | 15 | ½ two deliveries, an ack each (client) + ½ two ClickHouse rows, in the consumers' batches (client) |",
      "| content | 2.0 | 0.0 | none |",
      "| nats | 50 | 30 | JetStream publish (server) + two deliveries, an ack each (server) |",
      "| clickhouse | 10 | 15 | two ClickHouse rows, in the consumers' batches (server) |",
      "| **all** | **182** | **100** | |",
      "",
      "Summed limit of the design: 100 µs of CPU per event → **20,000 events/s** on 2 cores; the pipeline's 5,000 events/s is **25 %** of it. Against the tightest single ceiling (the slowest part alone, the table's ratio column): 5 %.",
      "",
      "With one ack per batch of deliveries (`AckPolicy.All`: `ceiling.js.deliver.ackall` in place of `ceiling.js.deliver`), the most that lever could give: 80 µs of CPU per event → **25,000 events/s** on 2 cores, 20 µs per event less than an ack per message.",
    ]);
    expect(renderBudget(undefined)).toBe(
      "CPU budget per event at the batched maximum: not computed (the batched pipeline row did not run).",
    );
  });
});
