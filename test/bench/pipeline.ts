import type { RuntimeName } from "../../src/http/runtimes.ts";
import { startConsumers, sustainable } from "./e2e.ts";
import {
  createNamespace,
  dropNamespace,
  READ_KEY,
  runLoadgen,
  startRoles,
  WRITE_KEY,
  type Harness,
  type Namespace,
} from "./harness.ts";
import { halfRateLatency, waitDrained } from "./headroom.ts";
import { failedRow, UNPACKED } from "./parts.ts";
import { ONE_MESSAGE_PER_EVENT } from "../helpers/packs.ts";
import type { Child } from "../helpers/processes.ts";
import type { BenchRow } from "./table.ts";

interface Running {
  n: Namespace;
  url: string;
  watch: Record<string, number | undefined>;
}

/**
 * A fresh namespace with ingest + query on `rt` and each consumer in a Node process of its own, for `run`; torn down after.
 * `edgeEnv`: extra settings for the edge's process (packs off, or packs across requests).
 */
async function withPipeline<T>(
  h: Harness,
  rt: RuntimeName,
  run: (p: Running) => Promise<T>,
  edgeEnv: Record<string, string> = {},
): Promise<T> {
  const n = await createNamespace(h, "pipe");
  const children: Child[] = [];
  try {
    const ingest = await startRoles(h, n, rt, ["ingest", "query"], `ingest-${rt}`, edgeEnv);
    children.push(ingest.child);
    const consumers = await startConsumers(h, n);
    children.push(...consumers.children);
    return await run({ n, url: ingest.url, watch: { ingest: ingest.child.pid, ...consumers.watch } });
  } finally {
    for (const c of children) await c.stop();
    await dropNamespace(h, n);
  }
}

const pipelineLabel = (rt: RuntimeName, batch: number) =>
  `pipeline end to end (ingest on ${rt}, consumers on node), ${batch === 1 ? "1 event" : `${batch} events`}/request, max sustainable`;

/**
 * The single-event pipeline's maximum with the edge on another runtime than the reference
 * (`pipeline.edge.bun.1`): the same roles and search as `pipeline.1`, for the runtimes table.
 */
export async function measurePipelineEdge(h: Harness, rt: RuntimeName): Promise<BenchRow> {
  const id = `pipeline.edge.${rt}.1`;
  const label = pipelineLabel(rt, 1);
  h.log(`  pipeline, 1 event/request, the edge on ${rt}`);
  try {
    return await withPipeline(
      h,
      rt,
      async ({ n, url, watch }) => (await sustainable(h, n, url, 1, watch, id, label, [])).row,
    );
  } catch (err: unknown) {
    return failedRow(id, "pipeline", label, err);
  }
}

/**
 * The pipeline at the defaults, which pack (PLAYPULSE_PACK_EVENTS, src/ingest/pack.ts), beside
 * `pipeline.1` and `pipeline.100`: the same roles and search. At 100 events per request a
 * request's events per subject travel as one message (`pipeline.packed.100`, then freshness at
 * half its maximum); at 1, with PLAYPULSE_PACK_ACROSS_REQUESTS (off by default), the requests held
 * while others are in flight share messages (`pipeline.packed.1`, then its half-rate row).
 */
export async function measurePackedPipeline(h: Harness, rt: RuntimeName, batch: 1 | 100): Promise<BenchRow[]> {
  const id = `pipeline.packed.${batch}`;
  const how =
    batch === 1
      ? "packed across requests (PLAYPULSE_PACK_ACROSS_REQUESTS)"
      : "packed one message per subject (PLAYPULSE_PACK_EVENTS, the default)";
  const label = `pipeline end to end (ingest on ${rt}, consumers on node), ${batch === 1 ? "1 event" : "100 events"}/request ${how}, max sustainable`;
  h.log(`  pipeline, ${batch} event(s)/request, packed`);
  const rows: BenchRow[] = [];
  try {
    await withPipeline(
      h,
      rt,
      async ({ n, url, watch }) => {
        const s = await sustainable(h, n, url, batch, watch, id, label, []);
        rows.push(s.row);
        if (batch === 1) rows.push(await halfRateLatency(h, n, url, s.rate, watch, true));
        else rows.push(await freshness(h, n, url, s.rate, watch));
      },
      batch === 1 ? { PLAYPULSE_PACK_ACROSS_REQUESTS: "1" } : {},
    );
  } catch (err: unknown) {
    // The rows measured before the failure stay; the one that failed says why.
    if (rows.length === 0) rows.push(failedRow(id, "pipeline", label, err));
    if (batch === 100 && !rows.some((r) => r.id === "pipeline.freshness"))
      rows.push(failedRow("pipeline.freshness", "pipeline", "end-to-end freshness at half the batched maximum", err));
  }
  return rows;
}

/** Freshness at half the batched maximum (`rate`), at the defaults: 202 → visible in the query API. */
async function freshness(
  h: Harness,
  n: Namespace,
  url: string,
  rate: number,
  watch: Record<string, number | undefined>,
): Promise<BenchRow> {
  const half = Math.max(1, Math.floor(rate / 2));
  h.log(`  freshness at half the batched maximum (${half.toLocaleString("en-US")} events/s)`);
  await waitDrained(h, n, h.quick ? 2000 : 30_000);
  const f = await runLoadgen(
    h,
    [
      "--url",
      url,
      "--key",
      WRITE_KEY,
      "--read-key",
      READ_KEY,
      "--batch",
      "100",
      "--rate",
      String(half),
      "--no-catalog",
      "--freshness",
      "250ms",
      "--duration",
      `${h.windowMs * (h.quick ? 1 : 2)}ms`,
    ],
    watch,
  );
  const fr = f.summary.freshness_ms;
  return {
    id: "pipeline.freshness",
    group: "pipeline",
    label: `end-to-end freshness at half the batched maximum at the defaults (${half.toLocaleString("en-US")} events/s, packed), 202 → visible in the query API`,
    eventsPerSec: f.summary.throughput.accepted_per_s,
    p50Ms: fr?.p50 ?? null,
    p99Ms: fr?.p99 ?? null,
    procs: f.procs,
    note: fr
      ? `p95 ${fr.p95} ms, ${fr.samples} samples, ${fr.timeouts} timed out; p50/p99 columns are freshness`
      : "no samples",
  };
}

/**
 * The pipeline end to end (ingest + query on `rt`, each consumer in a Node process of its own), 1
 * and 100 events per request. At 100 the edge sends one message per event (packs off), the design
 * before packs became the default: the row the CPU budget sets against its parts.
 */
export async function measurePipeline(h: Harness, rt: RuntimeName): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const batch of [1, 100]) {
    const id = `pipeline.${batch}`;
    const label = `${pipelineLabel(rt, batch)}${batch === 1 ? "" : UNPACKED}`;
    try {
      await withPipeline(
        h,
        rt,
        async ({ n, url, watch }) => {
          h.log(`  pipeline, ${batch} event(s)/request`);
          const s = await sustainable(h, n, url, batch, watch, id, label, []);
          rows.push(s.row);
          if (batch === 1) rows.push(await halfRateLatency(h, n, url, s.rate, watch));
        },
        batch === 1 ? {} : ONE_MESSAGE_PER_EVENT,
      );
    } catch (err: unknown) {
      rows.push(failedRow(id, "pipeline", label, err));
    }
  }
  return rows;
}
