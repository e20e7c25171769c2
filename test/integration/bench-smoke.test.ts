import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { childEnv, startChild } from "../helpers/processes.ts";
import { expectedRowIds, type BenchRow } from "../bench/table.ts";
import { RUNTIMES } from "../../src/http/runtimes.ts";

/**
 * `npm run bench -- --quick` end to end: it starts its own nats-server and clickhouse-server,
 * measures every row in short windows and prints the table. Asserts that it ran and produced
 * every row with a figure, never how fast anything was.
 */
describe("npm run bench -- --quick (smoke)", () => {
  it("produces the whole table, every row measured", { timeout: 900_000 }, async () => {
    const json = join(mkdtempSync(join(tmpdir(), "playpulse-bench-")), "rows.json");
    const child = startChild(
      "bench",
      "npm",
      ["run", "--silent", "bench", "--", "--quick", "--json", json],
      childEnv({}),
    );
    const code = await child.exited;
    const { rows } = JSON.parse(readFileSync(json, "utf8")) as { rows: BenchRow[] };
    expect(rows.filter((r) => r.error !== undefined).map((r) => `${r.id}: ${r.error}`)).toEqual([]);
    expect(code).toBe(0);
    expect(rows.map((r) => r.id)).toEqual(expectedRowIds(RUNTIMES));
    for (const r of rows) {
      expect({ id: r.id, measured: (r.eventsPerSec ?? 0) > 0, procs: r.procs.length > 0 }).toEqual({
        id: r.id,
        measured: true,
        procs: true,
      });
    }
    const table = child.stdout();
    expect(table).toContain("| measurement | events/s | p50 ms | p99 ms | vs tightest ceiling | vs naive |");
    for (const r of rows) expect(table).toContain(`| ${r.label} |`);
    // The CPU budgets: every process of the batched and of the single-event pipeline beside its
    // parts, and each one's summed limit.
    expect(table.match(/\| process \| in the pipeline \| its parts alone \| the parts \|/g)).toHaveLength(2);
    expect(
      table.match(/Summed limit of the design: [\d.]+ µs of CPU per event → \*\*[\d,]+ events\/s\*\*/g),
    ).toHaveLength(2);
    expect(table).toContain("CPU budget per event at the single-event maximum (");
    // Beside it, the limit with one ack per batch of deliveries (the AckPolicy.All ceiling).
    expect(table).toMatch(
      /With one ack per batch of deliveries \(`AckPolicy.All`: .*\), the most that lever could give: [\d.]+ µs of CPU per event → \*\*[\d,]+ events\/s\*\*/,
    );
    // The 202 at half the single-event maximum: a latency row, measured, with no ratio of its own.
    const half = rows.find((r) => r.id === "pipeline.1.half");
    expect([typeof half?.p99Ms, half?.vsCeiling]).toEqual(["number", undefined]);
    const ratioed = rows.filter((r) => /^pipeline\.\d+$/.test(r.id));
    expect(ratioed.map((r) => [r.id, typeof r.vsCeiling, typeof r.vsNaive])).toEqual([
      ["pipeline.1", "number", "number"],
      ["pipeline.100", "number", "number"],
    ]);
  });
});
