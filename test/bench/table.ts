import type { RuntimeName } from "../../src/http/runtimes.ts";
import type { ProcUsage } from "../helpers/processes.ts";

export type RowGroup = "ceiling" | "ingest" | "pipeline" | "baseline";

export interface BenchRow {
  /** Stable key: `ceiling.http.node.1`, `pipeline.100`, `baseline.naive.e2e`, ... */
  id: string;
  group: RowGroup;
  label: string;
  eventsPerSec: number | null;
  p50Ms: number | null;
  p99Ms: number | null;
  procs: ProcUsage[];
  note: string;
  /** Set when the measurement could not run; the row still appears, with the reason. */
  error?: string;
  vsCeiling?: number | null;
  vsNaive?: number | null;
}

export const BATCHES = [1, 100] as const;

/** Every row a bench run produces, in table order, for the given runtimes and the pipeline's reference runtime. */
export function expectedRowIds(runtimes: readonly RuntimeName[], pipelineRuntime: RuntimeName = "node"): string[] {
  return [
    ...runtimes.flatMap((rt) => BATCHES.map((b) => `ceiling.http.${rt}.${b}`)),
    "ceiling.js.publish",
    "ceiling.js.core",
    "ceiling.js.deliver",
    "ceiling.js.deliver.ackall",
    "ceiling.ch.raw",
    "ceiling.ch.client",
    "ceiling.ch.paced",
    ...runtimes.flatMap((rt) => BATCHES.map((b) => `ingest.${rt}.${b}`)),
    ...runtimes.flatMap((rt) => BATCHES.map((b) => `ingest.${rt}.ws.${b}`)),
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
    // The single-event pipeline with the edge on each other runtime (the reference one is pipeline.1).
    ...runtimes.filter((rt) => rt !== pipelineRuntime).map((rt) => `pipeline.edge.${rt}.1`),
    // Issue 15's tail test: `playpulse up` and a load at 3,000 events/s in requests of 20 (./up.ts).
    "up.3000x20",
    "scaleout.1",
    "scaleout.100",
    "baseline.naive.ingest",
    "baseline.naive.e2e",
  ];
}

const rate = (rows: Map<string, BenchRow>, id: string) => rows.get(id)?.eventsPerSec ?? null;
const best = (...xs: (number | null)[]) => {
  const v = xs.filter((x): x is number => x !== null && x > 0);
  return v.length === 0 ? null : Math.max(...v);
};
const tightest = (...xs: (number | null)[]) => {
  const v = xs.filter((x): x is number => x !== null && x > 0);
  return v.length === 0 ? null : Math.min(...v);
};
const ratio = (a: number | null, b: number | null) => (a === null || b === null || b === 0 ? null : a / b);

/**
 * Fills each ingest and pipeline row's ratio to its tightest ceiling (the slowest part it
 * must pass through: HTTP on its runtime and batch size, JetStream by its best publish
 * method, ClickHouse by its best insert method) and to the naive baseline.
 */
export function computeRatios(list: BenchRow[], pipelineRuntime: RuntimeName): void {
  const rows = new Map(list.map((r) => [r.id, r]));
  const js = best(rate(rows, "ceiling.js.publish"), rate(rows, "ceiling.js.core"));
  const ch = best(rate(rows, "ceiling.ch.raw"), rate(rows, "ceiling.ch.client"));
  const naiveIngest = rate(rows, "baseline.naive.ingest");
  const naiveE2e = rate(rows, "baseline.naive.e2e");
  for (const r of list) {
    // Over TCP (`ingest.bun.1`) or over WebSocket (`ingest.bun.ws.1`): the same ceilings.
    const m = /^ingest\.(\w+)\.(?:ws\.)?(\d+)$/.exec(r.id);
    if (m) {
      r.vsCeiling = ratio(r.eventsPerSec, tightest(rate(rows, `ceiling.http.${m[1]}.${m[2]}`), js));
      r.vsNaive = ratio(r.eventsPerSec, naiveIngest);
    }
    // The reference runtime's rows (`pipeline.1`), or another edge runtime's (`pipeline.edge.bun.1`).
    const p = /^pipeline\.(?:edge\.(\w+)\.)?(\d+)$/.exec(r.id);
    if (p) {
      const rt = p[1] ?? pipelineRuntime;
      r.vsCeiling = ratio(r.eventsPerSec, tightest(rate(rows, `ceiling.http.${rt}.${p[2]}`), js, ch));
      r.vsNaive = ratio(r.eventsPerSec, naiveE2e);
    }
  }
}

const num = (n: number | null, digits = 0) =>
  n === null ? "–" : n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
const ms = (n: number | null) => (n === null ? "–" : n >= 100 ? num(n) : n >= 10 ? num(n, 1) : num(n, 2));
const x = (n: number | null | undefined) =>
  n === null || n === undefined ? "" : n >= 10 ? `${num(n, 0)}×` : n >= 1 ? `${num(n, 1)}×` : `${num(n * 100, 0)} %`;
const procs = (ps: ProcUsage[]) => ps.map((p) => `${p.name} ${p.cpuPct} % / ${p.peakRssMb} MB`).join(", ");

/** The results as a Markdown table (also readable as plain text). */
export function renderTable(list: BenchRow[]): string {
  const head =
    "| measurement | events/s | p50 ms | p99 ms | vs tightest ceiling | vs naive | CPU (% of one core) / peak RSS per process | notes |";
  const sep = "|---|--:|--:|--:|--:|--:|---|---|";
  const lines = list.map((r) =>
    r.error
      ? `| ${r.label} | not run | | | | | | ${r.error.replaceAll("|", "/").replaceAll("\n", " ").slice(0, 200)} |`
      : `| ${r.label} | ${num(r.eventsPerSec)} | ${ms(r.p50Ms)} | ${ms(r.p99Ms)} | ${x(r.vsCeiling)} | ${x(r.vsNaive)} | ${procs(r.procs)} | ${r.note.replaceAll("|", "/")} |`,
  );
  return [head, sep, ...lines].join("\n");
}

/**
 * Ingest figures per runtime side by side: the bare HTTP ceiling, NATS over TCP, NATS over
 * WebSocket, and the single-event pipeline end to end with the edge on that runtime.
 */
export function renderRuntimes(
  list: BenchRow[],
  runtimes: readonly RuntimeName[],
  pipelineRuntime: RuntimeName,
): string {
  const rows = new Map(list.map((r) => [r.id, r]));
  const cell = (id: string) => {
    const r = rows.get(id);
    return r && !r.error ? `${num(r.eventsPerSec)} (p99 ${ms(r.p99Ms)} ms)` : "not run";
  };
  const lines = runtimes.map((rt) =>
    [
      rt,
      ...BATCHES.flatMap((b) => [`ceiling.http.${rt}.${b}`, `ingest.${rt}.${b}`, `ingest.${rt}.ws.${b}`].map(cell)),
      cell(rt === pipelineRuntime ? "pipeline.1" : `pipeline.edge.${rt}.1`),
    ].join(" | "),
  );
  return [
    "| runtime | bare HTTP, 1 event/request | ingest, 1 event/request | ingest over ws://, 1 event/request | bare HTTP, 100 events/request | ingest, 100 events/request | ingest over ws://, 100 events/request | pipeline end to end, 1 event/request |",
    "|---|--:|--:|--:|--:|--:|--:|--:|",
    ...lines.map((l) => `| ${l} |`),
  ].join("\n");
}
