import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { LoadSummary } from "../../src/load/index.ts";
import { freePort, retryOnPortClash } from "../../src/local-servers/index.ts";
import { childEnv, startChild, stdoutLine, type Child, type ProcUsage } from "../helpers/processes.ts";
import { READ_KEY, runArgs, runLoadgen, runtimeOrThrow, WRITE_KEY, type Harness } from "./harness.ts";
import { failedRow } from "./parts.ts";
import type { BenchRow } from "./table.ts";

export const UP_ROW = "up.3000x20";

/** Issue 15's own test of the tail: this rate, in requests of this many events, for this long. */
const RATE = 3000;
const BATCH = 20;

/** One load run against `up`: what the row needs of its summary, and its processes' usage. */
export interface UpRun {
  summary: Pick<LoadSummary, "latency_ms" | "freshness_ms" | "throughput" | "verify" | "events">;
  procs: ProcUsage[];
}

const ms = (n: number) => (n >= 100 ? Math.round(n).toLocaleString("en-US") : n.toFixed(1));

/**
 * The row of several runs: the run with the median p99 gives the figures and the CPU, the note lists
 * every run (p50 / p99 / freshness p95 / verify), so the spread of one sitting is in the report.
 *
 * @example
 * upRow(label, [a, b, c]); // p99 of the middle one of three, "p99 20.1 / 21.2 / 28.2 ms (in run order) ..."
 */
export function upRow(label: string, runs: readonly UpRun[]): BenchRow {
  const p99 = (r: UpRun) => r.summary.latency_ms.p99;
  const median = [...runs].sort((a, b) => p99(a) - p99(b))[Math.floor((runs.length - 1) / 2)];
  if (median === undefined) return failedRow(UP_ROW, "pipeline", label, new Error("no run finished"));
  const list = (f: (r: UpRun) => string) => runs.map(f).join(" / ");
  const fresh = (r: UpRun) => (r.summary.freshness_ms ? ms(r.summary.freshness_ms.p95) : "–");
  const verified = runs.filter((r) => r.summary.verify?.ok === true).length;
  const failed = runs.length - verified;
  const note = [
    `${runs.length === 1 ? "1 run" : `${runs.length} runs in run order`}: p50 ${list((r) => ms(r.summary.latency_ms.p50))} ms, p99 ${list((r) => ms(p99(r)))} ms`,
    `freshness p95 ${list(fresh)} ms`,
    `accepted ${list((r) => r.summary.events.accepted.toLocaleString("en-US"))} events`,
    failed === 0 ? `verify OK ×${verified}` : `verify FAILED in ${failed} of ${runs.length}`,
    "the figures are the median run's (by p99)",
  ].join("; ");
  const row: BenchRow = {
    id: UP_ROW,
    group: "pipeline",
    label,
    eventsPerSec: Math.round(median.summary.throughput.accepted_per_s),
    p50Ms: median.summary.latency_ms.p50,
    p99Ms: p99(median),
    procs: median.procs,
    note,
  };
  return failed === 0 ? row : { ...row, error: `--verify failed in ${failed} of ${runs.length} runs; ${note}` };
}

/** The nats-server and clickhouse-server `up` started: children of its process, by name. */
async function serverPids(upPid: number): Promise<Record<string, number | undefined>> {
  const out: Record<string, number | undefined> = {};
  const tasks = await readdir(`/proc/${upPid}/task`).catch(() => []);
  const lists = await Promise.all(
    tasks.map((t) => readFile(`/proc/${upPid}/task/${t}/children`, "utf8").catch(() => "")),
  );
  for (const pid of lists.join(" ").split(" ").filter(Boolean).map(Number)) {
    const comm = (await readFile(`/proc/${pid}/comm`, "utf8").catch(() => "")).trim();
    if (comm.startsWith("nats-server")) out["up-nats"] = pid;
    if (comm.startsWith("clickhouse")) out["up-clickhouse"] = pid;
  }
  return out;
}

async function startUp(h: Harness, dataDir: string, port: number): Promise<Child> {
  const node = runtimeOrThrow("node");
  const child = startChild(
    "playpulse up",
    node.command,
    [...runArgs(h, node, "src/cli/main.ts"), "up", "--data-dir", dataDir],
    childEnv({ PLAYPULSE_HTTP_PORT: String(port), PLAYPULSE_WRITE_KEYS: WRITE_KEY, PLAYPULSE_READ_KEYS: READ_KEY }),
  );
  try {
    await stdoutLine(child, /^Ctrl-C stops everything\.$/m, 180_000);
  } catch (err: unknown) {
    await child.stop();
    throw err;
  }
  return child;
}

/**
 * `playpulse up` as a user runs it (its own nats-server and clickhouse-server under a fresh data
 * directory, demo traffic on, the worker roles in a second process at nice 10), then `playpulse load
 * --rate 3000 --batch 20 --duration 20s --verify` against it three times in a row (once, 3 s, with
 * --quick). The bench's own servers take no load meanwhile; they are sampled beside up's.
 */
export async function measureUp(h: Harness): Promise<BenchRow> {
  const runs = h.quick ? 1 : 3;
  const duration = h.quick ? "3s" : "20s";
  const label = `\`playpulse up\` (its own nats-server and clickhouse-server, demo traffic on; edge and query in one process, the worker roles in another at nice 10; the defaults, so packs on): ${RATE.toLocaleString("en-US")} events/s in requests of ${BATCH}, ${duration}, --verify, ${runs} run${runs === 1 ? "" : "s"}`;
  const dataDir = await mkdtemp(join(tmpdir(), "playpulse-bench-up-"));
  let up: Child | undefined;
  try {
    h.log(`  playpulse up, then ${runs} load run(s) at ${RATE}/s in batches of ${BATCH}`);
    // A free port can be taken before up binds it (up retries its other ports itself).
    const { port, child } = await retryOnPortClash(async () => {
      const picked = await freePort();
      return { port: picked, child: await startUp(h, dataDir, picked) };
    });
    up = child;
    const workers = Number(/\n {2}workers .*: pid (\d+),/.exec(up.stdout())?.[1]);
    const watch = {
      up: up.pid,
      workers: Number.isInteger(workers) ? workers : undefined,
      ...(await serverPids(up.pid)),
    };
    const args = ["--url", `http://127.0.0.1:${port}`, "--key", WRITE_KEY, "--read-key", READ_KEY];
    const load = [...args, "--rate", String(RATE), "--batch", String(BATCH), "--duration", duration, "--verify"];
    const done: UpRun[] = [];
    // The bench's own servers take no load here; they are sampled under names of their own, so the
    // report shows what they still spend (merges of earlier sections' parts) beside up's servers.
    const bench = Object.fromEntries(Object.entries(h.serverPids).map(([name, pid]) => [`bench-${name}`, pid]));
    for (let i = 0; i < runs; i++) done.push(await runLoadgen({ ...h, serverPids: bench }, load, watch));
    return upRow(label, done);
  } catch (err: unknown) {
    return failedRow(UP_ROW, "pipeline", label, err);
  } finally {
    await up?.stop(30_000);
    await rm(dataDir, { recursive: true, force: true });
  }
}
