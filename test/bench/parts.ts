import type { RuntimeName } from "../../src/http/runtimes.ts";
import { freePort } from "../../src/local-servers/index.ts";
import { Histogram } from "../../src/load/index.ts";
import type { CeilingResult } from "./ceilings.ts";
import {
  createNamespace,
  dropNamespace,
  runArgs,
  runLoadgen,
  runtimeOrThrow,
  startRoles,
  startScript,
  WRITE_KEY,
  type Harness,
  type LoadRun,
} from "./harness.ts";
import { ONE_MESSAGE_PER_EVENT } from "../helpers/packs.ts";
import { childEnv, ProcWatch, startChild } from "../helpers/processes.ts";
import { BATCHES, type BenchRow, type RowGroup } from "./table.ts";
import type { WorkerTask } from "./worker.ts";

/** Closed-model settings that saturate a server from one load-generator process. */
export function closedArgs(batch: number): string[] {
  return ["--concurrency", batch === 1 ? "64" : "16", "--batch", String(batch)];
}

export function rowFromLoad(id: string, group: RowGroup, label: string, run: LoadRun, note = ""): BenchRow {
  const s = run.summary;
  const errors = Object.entries(s.errors).map(([k, v]) => `${k}: ${v}`);
  const fullNote = [note, errors.length > 0 ? `errors ${errors.join(", ")}` : ""].filter((x) => x !== "").join("; ");
  return {
    id,
    group,
    label,
    eventsPerSec: s.throughput.accepted_per_s,
    p50Ms: s.latency_ms.p50,
    p99Ms: s.latency_ms.p99,
    procs: run.procs,
    note: fullNote,
  };
}

export function failedRow(id: string, group: RowGroup, label: string, err: unknown): BenchRow {
  return {
    id,
    group,
    label,
    eventsPerSec: null,
    p50Ms: null,
    p99Ms: null,
    procs: [],
    note: "",
    error: err instanceof Error ? err.message : String(err),
  };
}

const RT_LABEL: Record<RuntimeName, string> = {
  node: "Hono on Node (@hono/node-server)",
  bun: "Hono on Bun (Bun.serve)",
  deno: "Hono on Deno (Deno.serve)",
};
/** The label of the rows that measure one message per event (ONE_MESSAGE_PER_EVENT), the design before packs became the default. */
export const UNPACKED = ", one message per event (PLAYPULSE_PACK_EVENTS=0)";
const per = (b: number) => (b === 1 ? "1 event/request" : `${b} events/request`);
/** One measured window of the load generator, events only. */
export const windowArg = (h: Harness) => ["--duration", `${h.windowMs}ms`, "--no-catalog", "--freshness", "off"];

/** Ceiling: the bare HTTP server (parse + 202) on a runtime, at both batch sizes. */
export async function measureBareHttp(h: Harness, rt: RuntimeName): Promise<BenchRow[]> {
  const label = (b: number) => `ceiling: bare HTTP 202, ${RT_LABEL[rt]}, ${per(b)}`;
  try {
    const port = await freePort();
    const server = await startScript(
      h,
      `bare-${rt}`,
      rt,
      "test/bench/bare-server.ts",
      [String(port)],
      `http://127.0.0.1:${port}/readyz`,
    );
    try {
      const rows: BenchRow[] = [];
      for (const b of BATCHES) {
        h.log(`  bare HTTP on ${rt}, ${per(b)}`);
        const run = await runLoadgen(
          h,
          ["--url", `http://127.0.0.1:${port}`, "--key", WRITE_KEY, ...closedArgs(b), ...windowArg(h)],
          { server: server.pid },
        );
        rows.push(
          rowFromLoad(`ceiling.http.${rt}.${b}`, "ceiling", label(b), run, "parses every event, no validation"),
        );
      }
      return rows;
    } finally {
      await server.stop();
    }
  } catch (err: unknown) {
    return BATCHES.map((b) => failedRow(`ceiling.http.${rt}.${b}`, "ceiling", label(b), err));
  }
}

export async function runWorker(
  h: Harness,
  task: WorkerTask,
): Promise<{ result: CeilingResult; procs: BenchRow["procs"] }> {
  const node = runtimeOrThrow("node");
  const child = startChild(
    `worker-${task.kind}`,
    node.command,
    [...runArgs(h, node, "test/bench/worker.ts"), JSON.stringify(task)],
    childEnv({}),
  );
  const w = new ProcWatch({ worker: child.pid, ...h.serverPids });
  let started = false;
  child.proc.stdout?.on("data", (d: Buffer | string) => {
    if (!started && d.toString().includes("ready")) {
      started = true;
      w.start();
    }
  });
  const code = await child.exited;
  const procs = started ? w.stop() : [];
  if (code !== 0) throw new Error(`worker ${task.kind} exited with ${code}: ${child.stderr().slice(-1500)}`);
  const last = child.stdout().trim().split("\n").at(-1) ?? "{}";
  return { result: JSON.parse(last) as CeilingResult, procs };
}

/** A row of a ceiling measured in a worker process (./worker.ts), latency per `unit`. */
export function ceilingRow(
  id: string,
  label: string,
  r: { result: CeilingResult; procs: BenchRow["procs"] },
  unit: "message" | "batch" | "durable's drain",
): BenchRow {
  const lat = Histogram.from(r.result.latency);
  return {
    id,
    group: "ceiling",
    label,
    eventsPerSec: Math.round(r.result.events / (r.result.elapsedMs / 1000)),
    p50Ms: lat.percentile(50) / 1000,
    p99Ms: lat.percentile(99) / 1000,
    procs: r.procs,
    note: `${r.result.note}; latency per ${unit}`,
  };
}

/**
 * How the measured ingest role reaches NATS: over TCP (the default), or another route such as the
 * websocket listener (./websocket.ts), named in the rows' ids, labels and notes.
 */
export interface NatsRoute {
  /** Appended to the row ids (`ingest.<runtime><id>.<batch>`) and the namespace and process names. */
  id: string;
  /** Appended to the row labels and the progress lines. */
  label: string;
  note: string;
  /** The role's extra environment (its NATS_URL); throws when the route is not available. */
  env(rt: RuntimeName): Record<string, string>;
}

const TCP: NatsRoute = { id: "", label: "", note: "", env: () => ({}) };

/** The ingest role alone on a runtime (202 after the JetStream ack), at both batch sizes. */
export async function measureIngest(h: Harness, rt: RuntimeName, via: NatsRoute = TCP): Promise<BenchRow[]> {
  // One message per event (packs off), as the ceilings they are set against publish.
  const label = (b: number) =>
    `ingest role on ${rt}${via.label || " (202 after JetStream ack)"}, ${per(b)}${b > 1 ? UNPACKED : ""}`;
  const id = (b: number) => `ingest.${rt}${via.id}.${b}`;
  try {
    const ns = await createNamespace(h, `ing${via.id.replace(/\W/g, "")}`);
    try {
      const name = `ingest${via.id.replace(/\W/g, "-")}-${rt}`;
      const { child, url } = await startRoles(h, ns, rt, ["ingest"], name, {
        ...ONE_MESSAGE_PER_EVENT,
        ...via.env(rt),
      });
      try {
        const rows: BenchRow[] = [];
        for (const b of BATCHES) {
          h.log(`  ingest on ${rt}${via.label}, ${per(b)}`);
          const run = await runLoadgen(h, ["--url", url, "--key", WRITE_KEY, ...closedArgs(b), ...windowArg(h)], {
            ingest: child.pid,
          });
          rows.push(rowFromLoad(id(b), "ingest", label(b), run, `runtime ${runtimeOrThrow(rt).version}${via.note}`));
        }
        return rows;
      } finally {
        await child.stop();
      }
    } finally {
      await dropNamespace(h, ns);
    }
  } catch (err: unknown) {
    return BATCHES.map((b) => failedRow(id(b), "ingest", label(b), err));
  }
}
