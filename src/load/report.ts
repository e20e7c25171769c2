import type { Histogram } from "./histogram.ts";
import type { RunResult } from "./runner.ts";
import type { RunStats } from "./sender.ts";
import type { Verification } from "./verify.ts";

export interface Percentiles {
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
}

const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

/** Percentiles in milliseconds of a histogram recorded in `unitMs` (0.001 for microseconds). */
export function percentiles(h: Histogram, unitMs: number): Percentiles {
  const at = (p: number) => round(h.percentile(p) * unitMs, 3);
  return {
    p50: at(50),
    p90: at(90),
    p95: at(95),
    p99: at(99),
    p999: at(99.9),
    max: round(h.max * unitMs, 3),
    mean: round(h.mean() * unitMs, 3),
  };
}

/** The machine-readable summary (`--json`); the text summary prints the same numbers. */
export interface LoadSummary {
  run_id: string;
  target: string;
  mode: RunResult["options"]["mode"];
  batch: number;
  elapsed_s: number;
  catalog: { titles: number; accepted: number };
  requests: { sent: number; answered: number; failed: number; retries: number; unsent: number };
  events: {
    sent: number;
    accepted: number;
    duplicates: number;
    rejected: number;
    unconfirmed: number;
    distinct_accepted: number;
  };
  throughput: { events_per_s: number; accepted_per_s: number; requests_per_s: number };
  latency_ms: Percentiles & { samples: number };
  errors: Record<string, number>;
  reject_reasons: Record<string, number>;
  freshness_ms: (Percentiles & { samples: number; timeouts: number; via: string }) | null;
  simulated: { views_started: number; simulated_s: number; compression: number };
  verify: Verification | null;
}

export function summarize(r: RunResult, verification: Verification | null): LoadSummary {
  const s = r.stats;
  const secs = r.elapsedMs / 1000;
  const f = r.freshness;
  return {
    run_id: r.options.runId,
    target: r.options.url,
    mode: r.options.mode,
    batch: r.options.batch,
    elapsed_s: round(secs, 3),
    catalog: r.catalog,
    requests: {
      sent: s.requests,
      answered: s.requestsOk,
      failed: s.requestsFailed,
      retries: s.retries,
      unsent: r.unsent,
    },
    events: {
      sent: s.eventsSent,
      accepted: s.accepted,
      duplicates: s.duplicates,
      rejected: s.rejected,
      unconfirmed: s.unconfirmed,
      distinct_accepted: r.truth.playEventCount(),
    },
    throughput: {
      events_per_s: round(s.eventsSent / secs, 1),
      accepted_per_s: round((s.accepted + s.duplicates) / secs, 1),
      requests_per_s: round(s.requests / secs, 1),
    },
    latency_ms: { ...percentiles(s.latency, 0.001), samples: s.latency.count },
    errors: Object.fromEntries(s.errors),
    reject_reasons: Object.fromEntries(s.rejectReasons),
    freshness_ms: f
      ? { ...percentiles(f.histogram, 1), samples: f.histogram.count, timeouts: f.timeouts, via: f.via }
      : null,
    simulated: {
      views_started: r.generator.views(),
      simulated_s: round(r.generator.simulatedMs() / 1000, 1),
      compression: round(r.generator.simulatedMs() / Math.max(1, r.elapsedMs), 1),
    },
    verify: verification,
  };
}

const int = (n: number) => Math.round(n).toLocaleString("en-US");
const ms = (n: number) => (n >= 100 ? `${int(n)} ms` : `${n.toFixed(n >= 10 ? 1 : 2)} ms`);

export function formatSummary(s: LoadSummary): string {
  const mode =
    s.mode.kind === "rate"
      ? `open model at ${int(s.mode.eventsPerSecond)} events/s`
      : `closed model, ${s.mode.workers} concurrent requests`;
  const lines = [
    `playpulse load: run ${s.run_id} against ${s.target}, ${mode}, ${s.batch} event(s) per request, ${s.elapsed_s.toFixed(1)} s`,
    `  catalog       ${int(s.catalog.accepted)}/${int(s.catalog.titles)} titles stored before the run`,
    `  throughput    ${int(s.throughput.events_per_s)} events/s sent, ${int(s.throughput.accepted_per_s)} events/s accepted, ${int(s.throughput.requests_per_s)} requests/s`,
    `  events        ${int(s.events.sent)} sent: ${int(s.events.accepted)} accepted, ${int(s.events.duplicates)} duplicates, ${int(s.events.rejected)} rejected, ${int(s.events.unconfirmed)} unconfirmed`,
    `  requests      ${int(s.requests.sent)} sent, ${int(s.requests.answered)} answered 202/400, ${int(s.requests.failed)} failed, ${int(s.requests.retries)} retries${s.requests.unsent > 0 ? `, ${int(s.requests.unsent)} due but never sent (every connection busy)` : ""}`,
    `  latency       p50 ${ms(s.latency_ms.p50)}  p90 ${ms(s.latency_ms.p90)}  p99 ${ms(s.latency_ms.p99)}  p99.9 ${ms(s.latency_ms.p999)}  max ${ms(s.latency_ms.max)}  (${int(s.latency_ms.samples)} requests${s.mode.kind === "rate" ? ", from the scheduled send time" : ""})`,
    `  errors        ${
      Object.keys(s.errors).length === 0
        ? "none"
        : Object.entries(s.errors)
            .map(([k, v]) => `${k}: ${int(v)}`)
            .join(", ")
    }`,
  ];
  for (const [reason, n] of Object.entries(s.reject_reasons).slice(0, 5))
    lines.push(`  rejected      ${int(n)} × ${reason}`);
  const f = s.freshness_ms;
  lines.push(
    f
      ? `  freshness     p50 ${ms(f.p50)}  p95 ${ms(f.p95)}  p99 ${ms(f.p99)}  max ${ms(f.max)}  (${f.samples} samples via ${f.via}, ${f.timeouts} timed out; from the 202 until visible)`
      : "  freshness     not sampled (give --read-key, or --clickhouse-url and --database)",
  );
  lines.push(
    `  simulated     ${int(s.simulated.views_started)} views started, ${int(s.simulated.simulated_s)} s of viewing time (${s.simulated.compression}× compressed)`,
  );
  const v = s.verify;
  if (v) {
    lines.push(`  verify        ${v.ok ? "OK" : "MISMATCH"} via ${v.via} after ${int(v.waitedMs)} ms`);
    for (const c of v.ids)
      lines.push(
        `    ${c.table.padEnd(11)} ${int(c.found)} stored, ${int(c.expected)} expected, ${int(c.missing)} missing, ${int(c.unexpected)} unexpected`,
      );
    lines.push(
      `    titles      ${int(v.titlesChecked)} checked (views, plays, completions, watch time), ${v.titleDiffs.length} differ`,
    );
    for (const d of v.titleDiffs.slice(0, 5))
      lines.push(`      ${d.video_id}: expected ${JSON.stringify(d.expected)}, found ${JSON.stringify(d.found)}`);
    for (const c of v.ids) for (const e of c.examples.slice(0, 3)) lines.push(`      ${c.table}: ${e}`);
    for (const n of v.notes) lines.push(`    note: ${n}`);
  }
  return lines.join("\n");
}

/** The live progress line; `last` carries the counters of the previous tick. */
export function progressLine(s: RunStats, elapsedMs: number, intervalMs: number, last: { events: number }): string {
  const rate = ((s.eventsSent - last.events) / Math.max(1, intervalMs)) * 1000;
  last.events = s.eventsSent;
  const errors = [...s.errors.values()].reduce((a, b) => a + b, 0);
  const p50 = s.interval.percentile(50) / 1000;
  const p99 = s.interval.percentile(99) / 1000;
  return `[${(elapsedMs / 1000).toFixed(0)}s] ${int(rate)} events/s  total ${int(s.eventsSent)}  accepted ${int(s.accepted + s.duplicates)}  p50 ${ms(p50)}  p99 ${ms(p99)}  in flight ${s.inFlight}  errors ${int(errors)}`;
}
