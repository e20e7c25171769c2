import { describe, expect, it } from "vitest";
import { renderPackedSideBySide } from "./packed.ts";
import type { BenchRow } from "./table.ts";

const row = (id: string, eventsPerSec: number, procs: Record<string, number>): BenchRow => ({
  id,
  group: "pipeline",
  label: id,
  eventsPerSec,
  p50Ms: null,
  p99Ms: null,
  procs: Object.entries(procs).map(([name, cpuPct]) => ({ name, cpuPct, peakRssMb: 100 })),
  note: "",
});

describe("renderPackedSideBySide", () => {
  it("gives each process's µs per event with and without packs: CPU % × 10,000 ÷ events/s", () => {
    const table = renderPackedSideBySide(
      [
        row("pipeline.100", 5000, { ingest: 25, nats: 35 }), // 50 and 70 µs
        row("pipeline.packed.100", 10_000, { ingest: 30, nats: 10, analytics: 4 }), // 30, 10 and 4 µs
      ],
      100,
    );
    expect(table.split("\n").slice(2)).toEqual([
      "| process | one event per message | one message per subject and request (packed) |",
      "|---|--:|--:|",
      "| events/s | 5,000 | 10,000 |",
      "| ingest | 50 | 30 |",
      "| nats | 70 | 10 |",
      "| analytics | – | 4.0 |",
      "| **all** | **120** | **44** |",
    ]);
  });

  it("is empty when either row did not run", () => {
    expect(renderPackedSideBySide([row("pipeline.100", 5000, { ingest: 25 })], 100)).toBe("");
  });

  it("sets the single-event rows side by side, packed across requests", () => {
    const rows = [
      row("pipeline.100", 5000, { ingest: 25 }),
      row("pipeline.packed.100", 10_000, { ingest: 30 }),
      row("pipeline.1", 4000, { ingest: 60, nats: 32 }), // 150 and 80 µs
      row("pipeline.packed.1", 6000, { ingest: 72, nats: 6 }), // 120 and 10 µs
    ];
    expect(renderPackedSideBySide(rows, 1).split("\n")).toEqual([
      "Several events per message, side by side (1 event/request; µs of CPU per event at each row's maximum):",
      "",
      "| process | one event per message | requests held while others are in flight, one message per subject (packed) |",
      "|---|--:|--:|",
      "| events/s | 4,000 | 6,000 |",
      "| ingest | 150 | 120 |",
      "| nats | 80 | 10 |",
      "| **all** | **230** | **130** |",
    ]);
  });
});
