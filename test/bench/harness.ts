import { jetstreamManager, type JetStreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { loadConfig, processEnv } from "../../src/config.ts";
import { atNice, nodeHeapFlag, runtimeHeapEnv, WORKER_ROLES, type Role } from "../../src/roles/index.ts";
import { findRuntime, serveEntry, type Runtime, type RuntimeName } from "../../src/http/runtimes.ts";
import { freePort, uniqueNamespace } from "../../src/local-servers/index.ts";
import { namespaceEnv } from "../helpers/namespace.ts";
import type { LoadSummary } from "../../src/load/index.ts";
import { provisionAll } from "../../src/main.ts";
import { createStore } from "../../src/store/index.ts";
import { createLogger } from "../../src/telemetry/logger.ts";
import { childEnv, ProcWatch, startChild, waitReady, type Child, type ProcUsage } from "../helpers/processes.ts";

export interface Harness {
  natsUrl: string;
  /** The same nats-server's websocket listener (`ws://…`), for the rows over WebSocket. */
  natsWsUrl?: string | undefined;
  clickhouseUrl: string;
  /** Process ids of nats-server and clickhouse-server, sampled in every row. */
  serverPids: Record<string, number | undefined>;
  nc: NatsConnection;
  jsm: JetStreamManager;
  quick: boolean;
  /** Length of one measured window. */
  windowMs: number;
  profileDir: string | undefined;
  /** Run Node processes from the tsc build in dist/ (as the production image does) instead of through tsx. */
  compiled: boolean;
  /** The nice value of processes that run only worker roles (`--worker-nice`; src/roles/priority.ts). */
  workerNice: number;
  log: (line: string) => void;
}

/** Arguments that run one of this repo's TypeScript files on a runtime (Node: tsx, or the build in dist/). */
export function runArgs(h: Pick<Harness, "compiled">, rt: Runtime, file: string): string[] {
  if (rt.name === "node" && h.compiled) return [compiledPath(file)];
  return rt.runTs(file);
}

/**
 * Where the tsc build of a source file is: the product's in dist/ (tsconfig.build.json, what the
 * image ships), the benchmark's own scripts in dist-bench/ (test/bench/tsconfig.json).
 */
export function compiledPath(file: string): string {
  const js = file.replace(/\.ts$/, ".js");
  return js.startsWith("src/") ? js.replace(/^src\//, "dist/") : `dist-bench/${js}`;
}

/** The durables every play event reaches: two deliveries, two rows per event. */
export const PLAY_DURABLES = ["analytics", "recommendations"] as const;

export const WRITE_KEY = "wk_bench";
export const READ_KEY = "rk_bench";

/** A namespace of its own for one measurement: stream, subjects, database. */
export interface Namespace {
  ns: string;
  stream: string;
  database: string;
  env: Record<string, string>;
}

/**
 * The settings a bench run takes from its own environment and passes to every role it starts, so
 * that a lever is measured on and off with the same command (`PLAYPULSE_PUBLISH_LINGER_MS=0 npm run
 * bench …`). Anything else in the caller's environment is not passed. The report names those set.
 */
export const TUNABLES = ["PLAYPULSE_PUBLISH_LINGER_MS", "PLAYPULSE_BATCH_SIZE"] as const;

/** The TUNABLES set in this process's environment. */
export function tunables(env: Record<string, string | undefined> = processEnv()): Record<string, string> {
  return Object.fromEntries(TUNABLES.flatMap((k) => (env[k] === undefined ? [] : [[k, env[k]]])));
}

export async function createNamespace(h: Harness, prefix = "bench"): Promise<Namespace> {
  const ns = uniqueNamespace(prefix);
  const env = namespaceEnv(ns, h, {
    PLAYPULSE_WRITE_KEYS: WRITE_KEY,
    PLAYPULSE_READ_KEYS: READ_KEY,
    PLAYPULSE_LOG_LEVEL: "warn",
    PLAYPULSE_STREAM_MAX_BYTES: String(4 * 1024 ** 3),
    // The bench is thousands of clients' traffic from one address and one key, measuring capacity:
    // the per-key and per-address buckets (2000/s by default) are off here (docs/benchmarks.md).
    PLAYPULSE_RATE_LIMIT_KEY_PER_SECOND: "0",
    PLAYPULSE_RATE_LIMIT_ADDRESS_PER_SECOND: "0",
    OTEL_SDK_DISABLED: "true",
    ...tunables(),
  });
  const config = loadConfig(env);
  const logger = createLogger("warn");
  const bus = { nc: h.nc, isConnected: () => true, onDisconnect: () => undefined, close: () => Promise.resolve() };
  const store = createStore({ url: h.clickhouseUrl, database: `pp_${ns}` });
  try {
    await provisionAll(config, { bus, store, logger });
  } finally {
    await store.close();
  }
  return { ns, stream: `PP_${ns}`, database: `pp_${ns}`, env };
}

export async function dropNamespace(h: Harness, n: Namespace): Promise<void> {
  await h.jsm.streams.delete(n.stream).catch(() => undefined);
  await fetch(`${h.clickhouseUrl}/`, { method: "POST", body: `DROP DATABASE IF EXISTS ${n.database}` }).catch(
    () => undefined,
  );
}

export function runtimeOrThrow(name: RuntimeName): Runtime {
  const rt = findRuntime(name);
  if (!rt)
    throw new Error(
      `${name} is not installed (npm install puts bun and deno under node_modules; see docs/benchmarks.md)`,
    );
  return rt;
}

/** Starts `serve <roles>` on a runtime with the namespace's environment (and `env` over it); resolves once /readyz answers. */
export async function startRoles(
  h: Harness,
  n: Namespace,
  runtime: RuntimeName,
  roles: readonly Role[],
  name: string,
  env: Record<string, string> = {},
): Promise<{ child: Child; url: string }> {
  const rt = runtimeOrThrow(runtime);
  const port = await freePort();
  const [entry = "", ...rest] = serveEntry(runtime);
  const prof =
    h.profileDir && runtime === "node"
      ? ["--cpu-prof", `--cpu-prof-dir=${h.profileDir}`, `--cpu-prof-name=${name}.${n.ns}.cpuprofile`]
      : [];
  // Node worker roles get the heap limit Kubernetes gives them, Deno the Deno image's (DENO_V8_FLAGS;
  // both in src/roles/heap.ts). The Node edge's (384) is not applied here yet: two alternating runs
  // were too noisy to show it keeps the edge's rate (docs/benchmarks.md#memory-per-process).
  const heap = runtime === "node" && roles.some((r) => WORKER_ROLES.includes(r)) ? [nodeHeapFlag(roles)] : [];
  const args = [...prof, ...heap, ...runArgs(h, rt, entry), ...rest, ...roles];
  // Worker roles at a lower priority than the edge, as `playpulse up` runs them.
  const workersOnly = roles.every((r) => WORKER_ROLES.includes(r));
  const cmd = atNice({ command: rt.command, args }, workersOnly ? h.workerNice : 0);
  const child = startChild(
    name,
    cmd.command,
    cmd.args,
    childEnv({ ...runtimeHeapEnv(runtime), ...rt.env, ...n.env, PLAYPULSE_HTTP_PORT: String(port), ...env }),
  );
  const url = `http://127.0.0.1:${port}`;
  await waitReady(child, `${url}/readyz`);
  return { child, url };
}

/** Starts a bench-only entry (bare server, naive app) that prints "listening <port>" or a line of its own. */
export async function startScript(
  h: Harness,
  name: string,
  runtime: RuntimeName,
  file: string,
  args: string[],
  readyUrl: string | undefined,
  env: Record<string, string> = {},
): Promise<Child> {
  const rt = runtimeOrThrow(runtime);
  const child = startChild(name, rt.command, [...runArgs(h, rt, file), ...args], childEnv({ ...rt.env, ...env }));
  if (readyUrl) await waitReady(child, readyUrl);
  return child;
}

export interface LoadRun {
  summary: LoadSummary;
  procs: ProcUsage[];
  /** Called at the window's start and end, e.g. to read consumer lag. */
}

/**
 * Runs `playpulse load` in a process of its own (the load generator shares the two cores
 * with everything it measures) and samples CPU and RSS of it and of `watch` during the
 * measured window only.
 */
export async function runLoadgen(
  h: Harness,
  args: string[],
  watch: Record<string, number | undefined>,
  onWindow?: (phase: "start" | "end") => Promise<void> | void,
): Promise<LoadRun> {
  const node = runtimeOrThrow("node");
  // With --profile the load generator is profiled too: it shares the two cores with what it measures.
  const prof = h.profileDir
    ? ["--cpu-prof", `--cpu-prof-dir=${h.profileDir}`, `--cpu-prof-name=load.${process.hrtime.bigint()}.cpuprofile`]
    : [];
  const child = startChild(
    "load",
    node.command,
    [...prof, ...runArgs(h, node, "src/cli/main.ts"), "load", ...args, "--json", "--quiet", "--announce"],
    childEnv({}),
  );
  const w = new ProcWatch({ load: child.pid, ...watch, ...h.serverPids });
  let procs: ProcUsage[] = [];
  let started = false;
  let windowWork: Promise<void> = Promise.resolve();
  child.proc.stderr?.on("data", (d: Buffer | string) => {
    const s = d.toString();
    if (!started && s.includes("measuring")) {
      started = true;
      w.start();
      windowWork = Promise.resolve(onWindow?.("start"));
    }
    if (started && s.includes("measured")) {
      procs = w.stop();
      const prev = windowWork;
      windowWork = prev.then(() => onWindow?.("end"));
    }
  });
  const code = await child.exited;
  await windowWork;
  const out = child.stdout().trim().split("\n").at(-1) ?? "";
  if (code !== 0 && code !== 3) throw new Error(`playpulse load exited with ${code}: ${child.stderr().slice(-2000)}`);
  return { summary: JSON.parse(out) as LoadSummary, procs };
}

/** Lag (pending + unacknowledged) of each of a stream's consumers. */
export async function consumerLag(
  h: Harness,
  stream: string,
  names: readonly string[],
): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const name of names) {
    const info = await h.jsm.consumers.info(stream, name);
    out[name] = info.num_pending + info.num_ack_pending;
  }
  return out;
}

export async function connectHarness(natsUrl: string): Promise<{ nc: NatsConnection; jsm: JetStreamManager }> {
  const nc = await connect({ servers: natsUrl });
  return { nc, jsm: await jetstreamManager(nc) };
}
