import { FreshnessSampler, type FreshnessProbe } from "./freshness.ts";
import { Histogram } from "./histogram.ts";
import { HttpConnection } from "./http-client.ts";
import type { LoadOptions } from "./options.ts";
import { closedModel, openModel, type ModelRun } from "./schedule.ts";
import { backoffPolicy, RunStats, sendBatch, type SendContext } from "./sender.ts";
import type { Refusal } from "./targets.ts";
import { GroundTruth } from "./truth.ts";
import { TrafficGenerator, type GeneratedEvent } from "./views.ts";

export interface RunResult {
  options: LoadOptions;
  stats: RunStats;
  truth: GroundTruth;
  unconfirmed: Map<string, GeneratedEvent>;
  generator: TrafficGenerator;
  freshness: FreshnessSampler | undefined;
  catalog: { titles: number; accepted: number };
  /** Measured window, ms. */
  elapsedMs: number;
  /** Requests the open model scheduled but never sent because every connection was busy. */
  unsent: number;
  /** The edge answered 401 or 403: the write key is wrong, and the run stopped there. */
  refused: Refusal | undefined;
}

export interface RunHooks {
  /** Called about once a second with the stats so far (for the progress line). */
  onTick?: (stats: RunStats, elapsedMs: number, intervalMs: number) => void;
  /** The measured window starts (after the catalog) and ends (before answers are awaited). */
  onWindow?: (phase: "start" | "end") => void;
}

/** Set by the first 401 or 403; every loop stops when it is. */
interface StopSignal {
  refused: Refusal | undefined;
}

function parseTarget(url: string): { host: string; port: number } {
  const u = new URL(url);
  return { host: u.hostname, port: Number(u.port || 80) };
}

/** Freshness through the query API (with a read key) or ClickHouse, when asked for and possible. */
function freshnessSampler(opts: LoadOptions): FreshnessSampler | undefined {
  const probe: FreshnessProbe | undefined = opts.readKey
    ? { via: "query-api", url: opts.url, readKey: opts.readKey }
    : opts.clickhouse
      ? { via: "clickhouse", target: opts.clickhouse }
      : undefined;
  return probe && opts.freshnessEveryMs > 0 ? new FreshnessSampler(probe) : undefined;
}

/** Where accepted events go: the ground truth, and the freshness sampler for markers. */
function sendContext(
  opts: LoadOptions,
  truth: GroundTruth,
  freshness: FreshnessSampler | undefined,
  markers: Map<string, GeneratedEvent>,
  stop: StopSignal,
): SendContext<GeneratedEvent> {
  return {
    path: "/v1/events",
    headers: {
      authorization: `Bearer ${opts.key}`,
      "content-type": opts.format === "ndjson" ? "application/x-ndjson" : "application/json",
    },
    format: opts.format,
    retry: backoffPolicy(opts.retries),
    stats: new RunStats(),
    unconfirmed: new Map(),
    onAccepted: (e, at) => {
      truth.accept(e);
      if (markers.delete(e.id)) freshness?.track(e.id, e.videoId, at);
    },
    onAttempt: (a) => {
      if ((a.status === 401 || a.status === 403) && !stop.refused)
        stop.refused = { status: a.status, message: a.message ?? a.error ?? "" };
    },
  };
}

/**
 * The traffic of the measured window: `nextBatch` hands out `batch` events at a time, one of
 * which may be a freshness marker, until `--events` are produced or `--duration` is over.
 */
function trafficSource(
  opts: LoadOptions,
  generator: TrafficGenerator,
  freshness: FreshnessSampler | undefined,
  markers: Map<string, GeneratedEvent>,
  stop: StopSignal,
): Pick<ModelRun, "finished" | "nextBatch"> {
  let produced = 0;
  let lastMarker = 0;
  let markerSeq = 0;
  const limit = opts.events ?? Number.POSITIVE_INFINITY;
  const t0 = performance.now();
  const deadline = opts.durationMs === undefined ? Number.POSITIVE_INFINITY : t0 + opts.durationMs;
  const nextBatch = (): GeneratedEvent[] => {
    const n = Math.min(opts.batch, limit - produced);
    const now = Date.now();
    const events: GeneratedEvent[] = [];
    const pnow = performance.now();
    if (freshness && n > 0 && pnow - lastMarker >= opts.freshnessEveryMs && freshness.canSample()) {
      lastMarker = pnow;
      const m = generator.markerEvent(markerSeq++, now);
      markers.set(m.id, m);
      events.push(m);
    }
    while (events.length < n) events.push(generator.next(now));
    produced += events.length;
    return events;
  };
  return {
    nextBatch,
    finished: () => produced >= limit || performance.now() >= deadline || stop.refused !== undefined,
  };
}

/**
 * Runs one load test: the catalog first, then the traffic in the chosen model until the
 * duration or the event count is reached, then waits for answers and freshness samples. The
 * first 401 or 403 of the edge stops it (`refused`): no request can pass with that key.
 *
 * @example
 * const result = await runLoad(parseLoadArgs(["--key", "wk_dev", "--events", "10k"]));
 * console.log(formatSummary(summarize(result, null)));
 */
export async function runLoad(opts: LoadOptions, hooks: RunHooks = {}): Promise<RunResult> {
  const { host, port } = parseTarget(opts.url);
  const generator = new TrafficGenerator({
    runId: opts.runId,
    seed: opts.seed,
    titles: opts.titles,
    zipf: opts.zipf,
    viewers: opts.viewers,
    heartbeatMs: opts.heartbeatMs,
  });
  const truth = new GroundTruth();
  const freshness = freshnessSampler(opts);
  const markers = new Map<string, GeneratedEvent>();
  const stop: StopSignal = { refused: undefined };
  const ctx = sendContext(opts, truth, freshness, markers, stop);
  const pool = Array.from(
    { length: opts.mode.kind === "concurrency" ? opts.mode.workers : opts.connections },
    () => new HttpConnection(host, port, opts.timeoutMs),
  );
  const catalog = { titles: generator.titles.length, accepted: 0 };
  if (opts.catalog) catalog.accepted = await sendCatalog(generator, pool, ctx, truth, stop);
  // The catalog is set-up, not load: measure from a clean slate (its events stay in the truth).
  const measured = new RunStats();
  ctx.stats = measured;

  const run: ModelRun = { pool, ctx, ...trafficSource(opts, generator, freshness, markers, stop) };
  const t0 = performance.now();
  hooks.onWindow?.("start");
  const ticker = startTicker(measured, t0, hooks);
  let unsent = 0;
  try {
    if (opts.mode.kind === "concurrency") await closedModel(run);
    else unsent = await openModel(opts.mode.eventsPerSecond, opts.batch, run);
  } finally {
    ticker.stop();
  }
  const elapsedMs = performance.now() - t0;
  hooks.onWindow?.("end");
  for (const c of pool) c.close();
  await freshness?.settle();
  const { unconfirmed } = ctx;
  return {
    options: opts,
    stats: measured,
    truth,
    unconfirmed,
    generator,
    freshness,
    catalog,
    elapsedMs,
    unsent,
    refused: stop.refused,
  };
}

/** Sends the catalog in batches of up to 500 over the pool; returns how many were stored. */
async function sendCatalog(
  generator: TrafficGenerator,
  pool: HttpConnection[],
  ctx: SendContext<GeneratedEvent>,
  truth: GroundTruth,
  stop: StopSignal,
): Promise<number> {
  const events = generator.catalogEvents(Date.now());
  const batches: GeneratedEvent[][] = [];
  for (let i = 0; i < events.length; i += 500) batches.push(events.slice(i, i + 500));
  // A JSON array whatever --ndjson says, with the content type to match.
  const json = { ...ctx, format: "json" as const, headers: { ...ctx.headers, "content-type": "application/json" } };
  await Promise.all(
    pool.slice(0, 4).map(async (conn) => {
      for (let b = batches.shift(); b && !stop.refused; b = batches.shift())
        await sendBatch(conn, b, performance.now(), json);
    }),
  );
  return truth.catalogIds().size;
}

function startTicker(stats: RunStats, t0: number, hooks: RunHooks): { stop(): void } {
  if (!hooks.onTick) return { stop: () => undefined };
  let last = t0;
  const timer = setInterval(() => {
    const now = performance.now();
    hooks.onTick?.(stats, now - t0, now - last);
    stats.interval = new Histogram();
    last = now;
  }, 1000);
  return { stop: () => clearInterval(timer) };
}
