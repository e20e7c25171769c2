import { ONE_MESSAGE_PER_EVENT } from "./packs.ts";
import { CONSUMER_NAMES } from "../../src/consumers/registry.ts";
import { createStore, type Store } from "../../src/store/index.ts";
import {
  freePorts,
  startClickHouse,
  startNats,
  uniqueNamespace,
  type ClickHouseServerHandle,
  type NatsServerHandle,
} from "../../src/local-servers/index.ts";
import { startLoad, type SteadyLoad, type SteadyLoadOptions } from "../../src/load/index.ts";
import { playGenerator, type PlayGenerator } from "./play-generator.ts";
import { spawnRole, type RoleProcess } from "./roles.ts";
import { startLagMonitor, type LagMonitor } from "./lag-monitor.ts";

/** Every consumer process of a rig runs the three consumers, so killing one hits all three. */
export const CONSUMER_PROCESS_ROLES = [...CONSUMER_NAMES];

export interface RigOptions {
  /** Consumer processes to start (each runs analytics, recommendations and content). */
  consumers: number;
  /** Extra PLAYPULSE_* settings for the consumer processes. */
  consumerEnv?: Record<string, string>;
  /** Extra settings for every process. */
  env?: Record<string, string>;
}

export interface Rig extends AsyncDisposable {
  ns: string;
  nats: NatsServerHandle;
  clickhouse: ClickHouseServerHandle;
  /** The environment every role process gets (before per-role extras). */
  env: Record<string, string>;
  writeKey: string;
  readKey: string;
  ingest: RoleProcess;
  query: RoleProcess;
  consumers: RoleProcess[];
  gen: PlayGenerator;
  store: Store;
  lag: LagMonitor;
  /** Starts ingest again on its port (after it stopped). */
  restartIngest(): Promise<RoleProcess>;
  restartQuery(): Promise<RoleProcess>;
  /** Starts consumer process `i` again (after it stopped or was killed). */
  restartConsumer(i: number): Promise<RoleProcess>;
  /** Load against the ingest port; the first batch is the catalog (one title each). */
  load(opts?: Partial<SteadyLoadOptions>): SteadyLoad;
}

/** The environment of every role process of a rig. */
function rigEnv(
  nats: NatsServerHandle,
  clickhouse: ClickHouseServerHandle,
  keys: { writeKey: string; readKey: string },
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    NATS_URL: nats.url,
    CLICKHOUSE_URL: clickhouse.url,
    PLAYPULSE_HTTP_HOST: "127.0.0.1",
    PLAYPULSE_HTTP_PORT: "0",
    PLAYPULSE_WRITE_KEYS: keys.writeKey,
    PLAYPULSE_READ_KEYS: keys.readKey,
    PLAYPULSE_LOG_LEVEL: "info",
    PLAYPULSE_STREAM_MAX_BYTES: String(256 * 1024 * 1024),
    PLAYPULSE_BATCH_SIZE: "500",
    PLAYPULSE_FLUSH_INTERVAL_MS: "200",
    PLAYPULSE_RETRY_AFTER_SECONDS: "1",
    OTEL_SDK_DISABLED: "true",
    ...ONE_MESSAGE_PER_EVENT,
    ...extra,
  };
}

/** Starts each kind of role process on its fixed port, keeping every process it started in `procs`. */
function roleStarters(env: Record<string, string>, opts: RigOptions, ports: { ingest: number; query: number }) {
  const consumerEnv = { ...env, ...opts.consumerEnv };
  const procs: RoleProcess[] = [];
  const track = (p: RoleProcess) => {
    procs.push(p);
    return p;
  };
  return {
    procs,
    ingest: async () =>
      track(
        await spawnRole(["ingest"], { env: { ...env, PLAYPULSE_HTTP_PORT: String(ports.ingest) }, name: "ingest" }),
      ),
    query: async () =>
      track(await spawnRole(["query"], { env: { ...env, PLAYPULSE_HTTP_PORT: String(ports.query) }, name: "query" })),
    consumer: async (i: number) =>
      track(
        await spawnRole(CONSUMER_PROCESS_ROLES, { env: consumerEnv, name: `consumer-${String.fromCharCode(97 + i)}` }),
      ),
  };
}

/** Ingest first (it creates the stream and consumers the others attach to), then query and the consumers. */
async function startProcesses(
  start: ReturnType<typeof roleStarters>,
  consumers: number,
): Promise<{ ingest: RoleProcess; query: RoleProcess; consumers: RoleProcess[] }> {
  const ingest = await start.ingest();
  const [query, ...rest] = await Promise.all([
    start.query(),
    ...Array.from({ length: consumers }, (_, i) => start.consumer(i)),
  ]);
  if (query === undefined) throw new Error("query did not start");
  return { ingest, query, consumers: rest };
}

/**
 * One isolated Playpulse for one fault test: its own nats-server and clickhouse-server, and
 * every role as its own OS process (ingest, query, N consumer processes), on fixed ports so a
 * restarted process answers where the old one did.
 *
 * @example
 * await using rig = await startRig({ consumers: 2 });
 * const load = rig.load();
 * await load.confirmedAtLeast(500, 60_000);
 * await rig.consumers[0]?.kill9();
 */
export async function startRig(opts: RigOptions): Promise<Rig> {
  const ns = uniqueNamespace("f");
  const [nats, clickhouse] = await Promise.all([startNats(), startClickHouse()]);
  const [ingestPort = 0, queryPort = 0] = await freePorts(2);
  const writeKey = `wk_${ns}`;
  const readKey = `rk_${ns}`;
  const env = rigEnv(nats, clickhouse, { writeKey, readKey }, opts.env);
  const start = roleStarters(env, opts, { ingest: ingestPort, query: queryPort });
  const gen = playGenerator(ns);
  const store = createStore({ url: clickhouse.url, database: "playpulse" });
  const loads: SteadyLoad[] = [];
  let lag: LagMonitor | undefined;
  const dispose = async () => {
    await lag?.close().catch(() => undefined);
    await Promise.all(start.procs.map((p) => p.kill9()));
    // Load still running after a failed test: its requests now fail at once, so it stops at once.
    await Promise.all(loads.map((l) => l.stop(0)));
    await store.close().catch(() => undefined);
    await Promise.allSettled([nats[Symbol.asyncDispose](), clickhouse[Symbol.asyncDispose]()]);
  };

  let procs: Awaited<ReturnType<typeof startProcesses>>;
  try {
    procs = await startProcesses(start, opts.consumers);
    lag = await startLagMonitor(nats.url, gen.videoIds.length);
  } catch (err: unknown) {
    await dispose();
    throw err;
  }

  const rig: Rig = {
    ns,
    nats,
    clickhouse,
    env,
    writeKey,
    readKey,
    ...procs,
    gen,
    store,
    lag,
    async restartIngest() {
      rig.ingest = await start.ingest();
      return rig.ingest;
    },
    async restartQuery() {
      rig.query = await start.query();
      return rig.query;
    },
    async restartConsumer(i) {
      const p = await start.consumer(i);
      rig.consumers[i] = p;
      return p;
    },
    load(o = {}) {
      const load = startLoad({ url: `http://127.0.0.1:${ingestPort}`, writeKey, ...catalogFirst(gen), ...o });
      loads.push(load);
      return load;
    },
    [Symbol.asyncDispose]: dispose,
  };
  return rig;
}

/** The rig's load: two workers, 100 ms apart; the first batch is the catalog (one title each), then batches of 20. */
function catalogFirst(gen: PlayGenerator): Pick<SteadyLoadOptions, "concurrency" | "pauseMs" | "nextBatch"> {
  let first = true;
  return {
    concurrency: 2,
    pauseMs: 100,
    nextBatch: () => {
      if (!first) return gen.batch(20);
      first = false;
      return gen.catalog();
    },
  };
}
