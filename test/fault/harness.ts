import { jetstreamManager, type JetStreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { expect } from "vitest";
import { CONSUMER_ROLES, type ConsumerRole } from "../../src/config.ts";
import { createStore, ident, sql, type Store } from "../../src/store/index.ts";
import {
  freePorts,
  startClickHouse,
  startNats,
  uniqueNamespace,
  waitFor,
  type ClickHouseServerHandle,
  type NatsServerHandle,
} from "../helpers/index.ts";
import { playGenerator, startLoad, type LoadClient, type LoadEvent, type LoadOptions, type PlayGenerator } from "../helpers/load-client.ts";
import { spawnRole, type RoleProcess } from "../helpers/roles.ts";

/** Every consumer process of a rig runs the three consumers, so killing one hits all three. */
export const CONSUMER_PROCESS_ROLES = [...CONSUMER_ROLES];
const STREAM = "PLAYPULSE";

export interface RigOptions {
  /** Consumer processes to start (each runs analytics, recommendations and content). */
  consumers: number;
  /** Extra PLAYPULSE_* settings for the consumer processes. */
  consumerEnv?: Record<string, string>;
  /** Extra settings for every process. */
  env?: Record<string, string>;
}

/**
 * One sample of the consumers' state (undefined fields while NATS is away):
 * - lag: messages not yet acked (num_pending + num_ack_pending), per consumer;
 * - floor: the stream sequence below which analytics and recommendations acked everything;
 * - redeliveries: deliveries beyond the first, summed over analytics and recommendations.
 */
export interface LagSample {
  t: number;
  lag: Record<ConsumerRole, number> | undefined;
  floor: number | undefined;
  redeliveries: number | undefined;
}

export interface ConsumerState {
  lag: Record<ConsumerRole, number>;
  floor: number;
  redeliveries: number;
  /** The stream's last sequence: every event confirmed so far is at or below it. */
  lastSeq: number;
}

export interface LagMonitor {
  samples: readonly LagSample[];
  /** The largest lag of any consumer in [from, to]. */
  peak(from: number, to?: number): number;
  /**
   * Resolves with the time of the first sample after `after` at which analytics and
   * recommendations have acked every message up to `seq`: everything confirmed before is stored.
   */
  caughtUpAt(seq: number, after: number, timeoutMs: number): Promise<number>;
  current(): Promise<ConsumerState>;
  close(): Promise<void>;
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
  load(opts?: Partial<LoadOptions>): LoadClient;
}

/**
 * One isolated Playpulse for one fault test: its own nats-server and clickhouse-server, and
 * every role as its own OS process (ingest, query, N consumer processes), on fixed ports so a
 * restarted process answers where the old one did.
 */
export async function startRig(opts: RigOptions): Promise<Rig> {
  const ns = uniqueNamespace("f");
  const [nats, clickhouse] = await Promise.all([startNats(), startClickHouse()]);
  const [ingestPort, queryPort] = await freePorts(2);
  const writeKey = `wk_${ns}`;
  const readKey = `rk_${ns}`;
  const env: Record<string, string> = {
    NATS_URL: nats.url,
    CLICKHOUSE_URL: clickhouse.url,
    PLAYPULSE_HTTP_HOST: "127.0.0.1",
    PLAYPULSE_HTTP_PORT: "0",
    PLAYPULSE_WRITE_KEYS: writeKey,
    PLAYPULSE_READ_KEYS: readKey,
    PLAYPULSE_LOG_LEVEL: "info",
    PLAYPULSE_STREAM_MAX_BYTES: String(256 * 1024 * 1024),
    PLAYPULSE_BATCH_SIZE: "500",
    PLAYPULSE_FLUSH_INTERVAL_MS: "200",
    PLAYPULSE_RETRY_AFTER_SECONDS: "1",
    OTEL_SDK_DISABLED: "true",
    ...opts.env,
  };
  const consumerEnv = { ...env, ...opts.consumerEnv };
  const procs: RoleProcess[] = [];
  const track = (p: RoleProcess) => {
    procs.push(p);
    return p;
  };
  const startIngest = async () => track(await spawnRole(["ingest"], { env: { ...env, PLAYPULSE_HTTP_PORT: String(ingestPort) }, name: "ingest" }));
  const startQuery = async () => track(await spawnRole(["query"], { env: { ...env, PLAYPULSE_HTTP_PORT: String(queryPort) }, name: "query" }));
  const startConsumer = async (i: number) =>
    track(await spawnRole(CONSUMER_PROCESS_ROLES, { env: consumerEnv, name: `consumer-${String.fromCharCode(97 + i)}` }));

  // Ingest first: it creates the stream and consumers the others attach to.
  const ingest = await startIngest();
  const [query, ...consumers] = await Promise.all([startQuery(), ...Array.from({ length: opts.consumers }, (_, i) => startConsumer(i))]);
  if (query === undefined) throw new Error("query did not start");
  const store = createStore({ url: clickhouse.url, database: "playpulse" });
  const gen = playGenerator(ns);
  const lag = await startLagMonitor(nats.url, gen.videoIds.length);

  const rig: Rig = {
    ns,
    nats,
    clickhouse,
    env,
    writeKey,
    readKey,
    ingest,
    query,
    consumers,
    gen,
    store,
    lag,
    async restartIngest() {
      rig.ingest = await startIngest();
      return rig.ingest;
    },
    async restartQuery() {
      rig.query = await startQuery();
      return rig.query;
    },
    async restartConsumer(i) {
      const p = await startConsumer(i);
      rig.consumers[i] = p;
      return p;
    },
    load(o = {}) {
      let first = true;
      return startLoad({
        url: `http://127.0.0.1:${ingestPort}`,
        writeKey,
        concurrency: 2,
        pauseMs: 100,
        nextBatch: () => {
          if (!first) return gen.batch(20);
          first = false;
          return gen.catalog();
        },
        ...o,
      });
    },
    async [Symbol.asyncDispose]() {
      await lag.close().catch(() => undefined);
      await Promise.all(procs.map((p) => p.kill9()));
      await store.close().catch(() => undefined);
      await Promise.allSettled([nats[Symbol.asyncDispose](), clickhouse[Symbol.asyncDispose]()]);
    },
  };
  return rig;
}

/**
 * Samples the three durable consumers every 250 ms. Redeliveries are counted as deliveries
 * (`delivered.consumer_seq`) minus distinct messages delivered: for analytics and
 * recommendations, the stream sequence reached minus the `contentEvents` outside their filter
 * (the catalog, sent first).
 */
async function startLagMonitor(url: string, contentEvents: number): Promise<LagMonitor> {
  const nc: NatsConnection = await connect({ servers: url, maxReconnectAttempts: -1, reconnectTimeWait: 250, name: "fault-test-lag" });
  const jsm: JetStreamManager = await jetstreamManager(nc, { timeout: 2000 });
  const samples: LagSample[] = [];
  let closed = false;

  async function current(): Promise<ConsumerState> {
    const [stream, ...infos] = await Promise.all([jsm.streams.info(STREAM), ...CONSUMER_ROLES.map((name) => jsm.consumers.info(STREAM, name))]);
    const lag = { analytics: 0, recommendations: 0, content: 0 };
    let floor = Number.POSITIVE_INFINITY;
    let redeliveries = 0;
    infos.forEach((info, i) => {
      const name = CONSUMER_ROLES[i];
      if (name === undefined || info === undefined) return;
      lag[name] = info.num_pending + info.num_ack_pending;
      if (name === "content") return;
      floor = Math.min(floor, info.ack_floor.stream_seq);
      redeliveries += info.delivered.consumer_seq - Math.max(0, info.delivered.stream_seq - contentEvents);
    });
    return { lag, floor, redeliveries, lastSeq: stream.state.last_seq };
  }

  const loop = (async () => {
    while (!closed) {
      const t = Date.now();
      try {
        const { lag, floor, redeliveries } = await current();
        samples.push({ t, lag, floor, redeliveries });
      } catch {
        samples.push({ t, lag: undefined, floor: undefined, redeliveries: undefined });
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  })();

  const worst = (s: LagSample) => (s.lag === undefined ? 0 : Math.max(...Object.values(s.lag)));

  return {
    samples,
    peak(from, to = Number.POSITIVE_INFINITY) {
      return samples.filter((s) => s.t >= from && s.t <= to).reduce((m, s) => Math.max(m, worst(s)), 0);
    },
    caughtUpAt(seq, after, timeoutMs) {
      return waitFor(() => samples.find((s) => s.t > after && s.floor !== undefined && s.floor >= seq)?.t, {
        timeoutMs,
        what: `analytics and recommendations to ack stream sequence ${seq}`,
      });
    },
    current,
    async close() {
      closed = true;
      await loop;
      await nc.close();
    },
  };
}

/** The aggregates the query API must report per title, computed from the confirmed events alone. */
export interface TitleAggregates {
  views: number;
  plays: number;
  completions: number;
  unique_viewers: number;
  watch_time_ms: number;
  /** Σ rebuffer / (Σ watch + Σ rebuffer), per-view maxima; null without watch time. */
  rebuffer_ratio: number | null;
}

export function expectedAggregates(events: Iterable<LoadEvent>): Map<string, TitleAggregates> {
  interface View {
    video: string;
    user: string;
    requested: boolean;
    played: boolean;
    completed: boolean;
    playedMs: number;
    rebufferMs: number;
  }
  const views = new Map<string, View>();
  for (const e of events) {
    if (!e.type.startsWith("user.video.")) continue;
    const key = String(e.view_id);
    const v = views.get(key) ?? { video: String(e.video_id), user: String(e.user_id), requested: false, played: false, completed: false, playedMs: 0, rebufferMs: 0 };
    if (e.type === "user.video.play_requested") v.requested = true;
    if (e.type === "user.video.played") v.played = true;
    if (e.type === "user.video.completed") v.completed = true;
    v.playedMs = Math.max(v.playedMs, typeof e.played_ms === "number" ? e.played_ms : 0);
    v.rebufferMs = Math.max(v.rebufferMs, typeof e.rebuffer_ms === "number" ? e.rebuffer_ms : 0);
    views.set(key, v);
  }
  const out = new Map<string, Omit<TitleAggregates, "rebuffer_ratio"> & { rebuffer_ms: number; viewers: Set<string> }>();
  for (const v of views.values()) {
    const a = out.get(v.video) ?? { views: 0, plays: 0, completions: 0, unique_viewers: 0, watch_time_ms: 0, rebuffer_ms: 0, viewers: new Set<string>() };
    if (v.requested) {
      a.views++;
      a.viewers.add(v.user);
    }
    if (v.played) a.plays++;
    if (v.completed) a.completions++;
    a.watch_time_ms += v.playedMs;
    a.rebuffer_ms += v.rebufferMs;
    out.set(v.video, a);
  }
  return new Map(
    [...out].map(([video, { viewers, rebuffer_ms, ...a }]) => {
      const total = a.watch_time_ms + rebuffer_ms;
      return [video, { ...a, unique_viewers: viewers.size, rebuffer_ratio: total === 0 ? null : rebuffer_ms / total }];
    }),
  );
}

async function distinct(store: Store, column: "id" | "event_id", table: "events" | "rec_events" | "catalog"): Promise<Set<string>> {
  const rows = await store.select<{ v: string }>(sql`SELECT DISTINCT ${ident(column)} AS v FROM ${store.db}.${ident(table)}`);
  return new Set(rows.map((r) => r.v));
}

function diff(stored: Set<string>, expected: Set<string>) {
  const missing = [...expected].filter((id) => !stored.has(id));
  const extra = [...stored].filter((id) => !expected.has(id));
  return { missing: missing.length, extra: extra.length, someMissing: missing.slice(0, 5), someExtra: extra.slice(0, 5) };
}

export interface Settled {
  /** Rows physically written beyond one per event (redeliveries), before ClickHouse merged them away. */
  duplicateRows: number;
  /** Seconds from the call until every confirmed event was in every table and no consumer lagged. */
  drainSeconds: number;
  events: number;
  /** Deliveries beyond the first over the whole run (analytics + recommendations). */
  redeliveries: number;
}

/**
 * The two checks every fault test ends with, once load has stopped:
 * 1. the distinct event ids stored in each table equal the confirmed set exactly;
 * 2. views, plays, completions, unique viewers and watch/rebuffer time per title, from the
 *    query API, equal the values computed from the confirmed events.
 */
export async function expectExactlyOnceEffect(rig: Rig, confirmed: ReadonlyMap<string, LoadEvent>, timeoutMs = 90_000): Promise<Settled> {
  const t0 = Date.now();
  const all = [...confirmed.values()];
  const video = new Set(all.filter((e) => e.type.startsWith("user.video.")).map((e) => e.id));
  const content = new Set(all.filter((e) => e.type === "video.encoding.completed").map((e) => e.id));
  const snapshot = async () => ({
    events: diff(await distinct(rig.store, "id", "events"), video),
    rec_events: diff(await distinct(rig.store, "id", "rec_events"), video),
    catalog: diff(await distinct(rig.store, "event_id", "catalog"), content),
  });
  const exact = { missing: 0, extra: 0, someMissing: [], someExtra: [] };
  // Poll until the consumers caught up; then assert whatever the last snapshot says.
  await waitFor(
    async () => {
      const { lag } = await rig.lag.current();
      const s = await snapshot();
      return lag.analytics + lag.recommendations + lag.content === 0 && Object.values(s).every((d) => d.missing === 0 && d.extra === 0);
    },
    { timeoutMs, intervalMs: 500, what: "every confirmed event stored and no consumer lag" },
  ).catch(() => undefined);
  const drainSeconds = (Date.now() - t0) / 1000;
  expect(await snapshot()).toEqual({ events: exact, rec_events: exact, catalog: exact });

  const [rows] = await rig.store.select<{ n: string }>(sql`SELECT count() AS n FROM ${rig.store.db}.events`);
  const duplicateRows = Number(rows?.n ?? 0) - video.size;

  const expected = expectedAggregates(all);
  const from = Date.now() - 2 * 24 * 3600_000;
  const to = Date.now() + 24 * 3600_000;
  const get = async (path: string): Promise<unknown> => {
    const res = await fetch(`${rig.query.baseUrl}${path}`, { headers: { authorization: `Bearer ${rig.readKey}` } });
    expect(res.status).toBe(200);
    return res.json();
  };
  const actual = new Map<string, TitleAggregates>();
  for (const videoId of rig.gen.videoIds) {
    const s = (await get(`/v1/videos/${videoId}/stats?from=${from}&to=${to}`)) as TitleAggregates;
    actual.set(videoId, {
      views: s.views,
      plays: s.plays,
      completions: s.completions,
      unique_viewers: s.unique_viewers,
      watch_time_ms: s.watch_time_ms,
      rebuffer_ratio: s.rebuffer_ratio,
    });
  }
  expect(Object.fromEntries(actual)).toEqual(Object.fromEntries(rig.gen.videoIds.map((id) => [id, expected.get(id)])));

  const top = (await get(`/v1/videos/top?by=views&limit=100&from=${from}&to=${to}`)) as { items: { video_id: string; views: number; watch_time_ms: number; title: string | null }[] };
  const byVideo = (items: { video_id: string; views: number; watch_time_ms: number }[]) =>
    Object.fromEntries(items.map((i) => [i.video_id, { views: i.views, watch_time_ms: i.watch_time_ms }]));
  expect(byVideo(top.items)).toEqual(
    byVideo(rig.gen.videoIds.map((id) => ({ video_id: id, views: expected.get(id)?.views ?? 0, watch_time_ms: expected.get(id)?.watch_time_ms ?? 0 }))),
  );
  return { duplicateRows, drainSeconds, events: confirmed.size, redeliveries: (await rig.lag.current()).redeliveries };
}

/** Checks the load client's own record: nothing rejected, nothing given up. */
export function expectCleanLoad(load: LoadClient): void {
  const s = load.stats();
  expect({ rejected: s.rejected.slice(0, 5), abandoned: s.abandoned }).toEqual({ rejected: [], abandoned: 0 });
}

/** Figures of one fault for docs/reliability.md, printed so `npm run test:fault` shows them. */
export function report(fault: string, figures: Record<string, unknown>): void {
  console.log(`FAULT ${fault} ${JSON.stringify(figures)}`);
}

export const seconds = (ms: number) => Math.round(ms / 100) / 10;

/**
 * Lets `ms` pass while load runs: the length of a fault (an outage, a pause), not a wait for a
 * state. Tests wait for states with waitFor / waitForLog.
 */
export function holdFor(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export const FAULT_PHASES = ["writing", "stored", "acked"] as const;
export type FaultPhase = (typeof FAULT_PHASES)[number] | "idle";

/**
 * Where each consumer loop of a killed process was, from the "fault hook" lines it logged
 * (PLAYPULSE_FAULT_DELAY_AFTER_WRITE_MS): "writing" = killed during the insert, "stored" =
 * after the insert and before the ack, "acked"/"idle" = between batches.
 */
export function phasesAtDeath(p: RoleProcess): Record<string, FaultPhase> {
  const out: Record<string, FaultPhase> = Object.fromEntries(CONSUMER_ROLES.map((c) => [c, "idle"]));
  for (const l of p.logs()) {
    if (l.msg === "fault hook" && typeof l.consumer === "string" && (FAULT_PHASES as readonly unknown[]).includes(l.phase)) {
      out[l.consumer] = l.phase as FaultPhase;
    }
  }
  return out;
}
