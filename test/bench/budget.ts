import type { RuntimeName } from "../../src/http/runtimes.ts";
import type { BenchRow } from "./table.ts";

/** One part of the design, as a ceiling row measures it alone: the CPU of `proc` in row `row`. */
interface Part {
  name: string;
  row: string;
  proc: string;
}

/** The deliveries ceiling of the design (an ack per message) and of the `AckPolicy.All` lever (an ack per batch). */
const DELIVERIES = {
  perMessage: { row: "ceiling.js.deliver", name: "two deliveries, an ack each" },
  perBatch: { row: "ceiling.js.deliver.ackall", name: "two deliveries, an ack per batch" },
} as const;
type Deliveries = (typeof DELIVERIES)[keyof typeof DELIVERIES];

/** Events per request of the two pipeline rows a budget is computed for. */
export type PerRequest = 1 | 100;

/**
 * The parts every play event passes through, from this run's ceiling rows. Only the HTTP parts
 * depend on the events per request: a single event pays a whole request; the publish and the
 * deliveries are the same parts at either size, each at its best (many in flight). The rows are
 * inserted as the consumers insert them, in their batches at the pace that fills one per flush
 * interval, merges included (`ceiling.ch.paced`): the largest insert the consumers make, so the
 * cheapest per row that the pipeline's rows can be.
 */
function parts(rt: RuntimeName, perRequest: PerRequest, deliveries: Deliveries = DELIVERIES.perMessage) {
  const http = `ceiling.http.${rt}.${perRequest}`;
  const { row: deliver, name: dn } = deliveries;
  return {
    loadgen: { name: "load generator", row: http, proc: "load" },
    parse: { name: "HTTP parse", row: http, proc: "server" },
    publishClient: { name: "JetStream publish (client)", row: "ceiling.js.core", proc: "worker" },
    publishServer: { name: "JetStream publish (server)", row: "ceiling.js.core", proc: "nats" },
    deliverClient: { name: `${dn} (client)`, row: deliver, proc: "worker" },
    deliverServer: { name: `${dn} (server)`, row: deliver, proc: "nats" },
    insertClient: {
      name: "two ClickHouse rows, in the consumers' batches (client)",
      row: "ceiling.ch.paced",
      proc: "worker",
    },
    insertServer: {
      name: "two ClickHouse rows, in the consumers' batches (server)",
      row: "ceiling.ch.paced",
      proc: "clickhouse",
    },
  } satisfies Record<string, Part>;
}

/**
 * Which parts each process of the pipeline row runs, and what share of each: the two play
 * consumers split the deliveries and the rows (one delivery and one row each per event).
 */
function processParts(rt: RuntimeName, perRequest: PerRequest): Record<string, readonly (readonly [Part, number])[]> {
  const p = parts(rt, perRequest);
  const consumer = [
    [p.deliverClient, 0.5],
    [p.insertClient, 0.5],
  ] as const;
  return {
    load: [[p.loadgen, 1]],
    ingest: [
      [p.parse, 1],
      [p.publishClient, 1],
    ],
    analytics: consumer,
    recommendations: consumer,
    content: [],
    nats: [
      [p.publishServer, 1],
      [p.deliverServer, 1],
    ],
    clickhouse: [[p.insertServer, 1]],
  };
}

export interface BudgetLine {
  process: string;
  /** µs of CPU per event in the pipeline row; null when the process was not sampled. */
  pipelineUs: number | null;
  /** What its parts cost alone, µs per event; null when a ceiling it needs did not run. */
  partsUs: number | null;
  parts: string;
}

export interface CpuBudget {
  perRequest: PerRequest;
  /** The pipeline row's rate (events/s): the maximum sustainable at `perRequest` events per request. */
  rate: number;
  cores: number;
  lines: BudgetLine[];
  pipelineUs: number;
  /** The sum of every part alone, µs per event; null when a ceiling is missing. */
  partsUs: number | null;
  /** The summed limit of the design: `cores` × 1,000,000 µs ÷ `partsUs`, events/s. */
  limit: number | null;
  vsLimit: number | null;
  /** The pipeline's ratio to its tightest single ceiling (computeRatios), kept beside. */
  vsTightest: number | null;
  /**
   * The summed limit with one ack per batch of deliveries (`AckPolicy.All`, the
   * `ceiling.js.deliver.ackall` row in place of `ceiling.js.deliver`): the most that lever could
   * give. Null figures when a ceiling it needs did not run.
   */
  ackAll: { partsUs: number | null; limit: number | null };
}

/** µs of CPU per event of process `proc` in `row`: % of one core × 10,000 ÷ events/s. */
export function usPerEvent(row: BenchRow | undefined, proc: string): number | null {
  const p = row?.procs.find((x) => x.name === proc);
  if (!row || row.error || !p || !row.eventsPerSec) return null;
  return (p.cpuPct * 10_000) / row.eventsPerSec;
}

const sum = (xs: (number | null)[]) =>
  xs.some((x) => x === null) ? null : xs.reduce<number>((a, b) => a + (b ?? 0), 0);

/**
 * The CPU budget per event of a pipeline row (`pipeline.100` or `pipeline.1`): each process's CPU
 * per event beside what its parts cost alone in the ceilings, the sum of the parts (the design's
 * limit on `cores` cores) and the pipeline's ratio to it. Undefined when the pipeline row is missing.
 */
export function cpuBudget(
  list: readonly BenchRow[],
  rt: RuntimeName,
  cores: number,
  perRequest: PerRequest = 100,
): CpuBudget | undefined {
  const rows = new Map(list.map((r) => [r.id, r]));
  const pipe = rows.get(`pipeline.${perRequest}`);
  if (!pipe || pipe.error || !pipe.eventsPerSec) return undefined;
  const map = processParts(rt, perRequest);
  const names = [...Object.keys(map), ...pipe.procs.map((p) => p.name).filter((n) => !(n in map))];
  const lines = names.map((process): BudgetLine => {
    const own = map[process] ?? [];
    return {
      process,
      pipelineUs: usPerEvent(pipe, process),
      partsUs: sum(own.map(([part, share]) => mul(usPerEvent(rows.get(part.row), part.proc), share))),
      parts:
        own.length === 0 ? "none" : own.map(([part, share]) => `${share === 1 ? "" : "½ "}${part.name}`).join(" + "),
    };
  });
  const summed = (d: Deliveries) =>
    sum(Object.values(parts(rt, perRequest, d)).map((part) => usPerEvent(rows.get(part.row), part.proc)));
  const limitOf = (partUs: number | null) => (partUs ? (cores * 1_000_000) / partUs : null);
  const partsUs = summed(DELIVERIES.perMessage);
  const limit = limitOf(partsUs);
  const ackAllUs = summed(DELIVERIES.perBatch);
  return {
    perRequest,
    rate: pipe.eventsPerSec,
    cores,
    lines,
    pipelineUs: lines.reduce((a, l) => a + (l.pipelineUs ?? 0), 0),
    partsUs,
    limit,
    vsLimit: limit ? pipe.eventsPerSec / limit : null,
    vsTightest: pipe.vsCeiling ?? null,
    ackAll: { partsUs: ackAllUs, limit: limitOf(ackAllUs) },
  };
}

const mul = (a: number | null, b: number) => (a === null ? null : a * b);
const us = (n: number | null) => (n === null ? "–" : n.toFixed(n >= 10 ? 0 : 1));
const int = (n: number) => Math.round(n).toLocaleString("en-US");
const pct = (n: number | null) => (n === null ? "–" : `${Math.round(n * 100)} %`);

/** The budget as Markdown: a line per process, the total, the summed limit and both ratios. */
export function renderBudget(b: CpuBudget | undefined, perRequest: PerRequest = b?.perRequest ?? 100): string {
  const which = perRequest === 1 ? "single-event" : "batched";
  if (!b) return `CPU budget per event at the ${which} maximum: not computed (the ${which} pipeline row did not run).`;
  const limit =
    b.limit === null || b.partsUs === null
      ? "Summed limit of the design: – (a ceiling it needs did not run)."
      : `Summed limit of the design: ${us(b.partsUs)} µs of CPU per event → **${int(b.limit)} events/s** on ${b.cores} cores; the pipeline's ${int(b.rate)} events/s is **${pct(b.vsLimit)}** of it.`;
  const a = b.ackAll;
  const saved = a.partsUs === null || b.partsUs === null ? null : b.partsUs - a.partsUs;
  const ackAll =
    a.limit === null || a.partsUs === null
      ? "With one ack per batch of deliveries (`AckPolicy.All`): – (a ceiling it needs did not run)."
      : `With one ack per batch of deliveries (\`AckPolicy.All\`: \`ceiling.js.deliver.ackall\` in place of \`ceiling.js.deliver\`), the most that lever could give: ${us(a.partsUs)} µs of CPU per event → **${int(a.limit)} events/s** on ${b.cores} cores${saved === null ? "" : `, ${us(Math.abs(saved))} µs per event ${saved >= 0 ? "less" : "more"} than an ack per message`}.`;
  return [
    `CPU budget per event at the ${which} maximum (${int(b.rate)} events/s, ${perRequest === 1 ? "1 event" : `${perRequest} events`}/request): µs of CPU per event in each process, beside what its parts cost alone in this run's ceilings (each at its own rate):`,
    "",
    "| process | in the pipeline | its parts alone | the parts |",
    "|---|--:|--:|---|",
    ...b.lines.map((l) => `| ${l.process} | ${us(l.pipelineUs)} | ${us(l.partsUs)} | ${l.parts} |`),
    `| **all** | **${us(b.pipelineUs)}** | **${us(b.partsUs)}** | |`,
    "",
    `${limit} Against the tightest single ceiling (the slowest part alone, the table's ratio column): ${pct(b.vsTightest)}.`,
    "",
    ackAll,
  ].join("\n");
}
