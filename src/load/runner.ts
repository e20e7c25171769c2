import { FreshnessSampler, type FreshnessProbe } from "./freshness.ts";
import { Histogram } from "./histogram.ts";
import { HttpConnection } from "./http-client.ts";
import type { LoadOptions } from "./options.ts";
import { RunStats, sendBatch, type SendContext } from "./sender.ts";
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
}

export interface RunHooks {
  /** Called about once a second with the stats so far (for the progress line). */
  onTick?: (stats: RunStats, elapsedMs: number, intervalMs: number) => void;
  /** The measured window starts (after the catalog) and ends (before answers are awaited). */
  onWindow?: (phase: "start" | "end") => void;
}

function parseTarget(url: string): { host: string; port: number } {
  const u = new URL(url);
  return { host: u.hostname, port: Number(u.port || 80) };
}

/**
 * Runs one load test: the catalog first, then the traffic in the chosen model until the
 * duration or the event count is reached, then waits for answers and freshness samples.
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
  const stats = new RunStats();
  const unconfirmed = new Map<string, GeneratedEvent>();
  const probe: FreshnessProbe | undefined = opts.readKey
    ? { via: "query-api", url: opts.url, readKey: opts.readKey }
    : opts.clickhouse
      ? { via: "clickhouse", target: opts.clickhouse }
      : undefined;
  const freshness = probe && opts.freshnessEveryMs > 0 ? new FreshnessSampler(probe) : undefined;
  const markers = new Map<string, GeneratedEvent>();
  const ctx: SendContext = {
    path: "/v1/events",
    headers: {
      authorization: `Bearer ${opts.key}`,
      "content-type": opts.format === "ndjson" ? "application/x-ndjson" : "application/json",
    },
    format: opts.format,
    retries: opts.retries,
    stats,
    truth,
    unconfirmed,
    onAccepted: (e, at) => {
      if (markers.delete(e.id)) freshness?.track(e.id, e.videoId, at);
    },
  };

  const pool = Array.from(
    { length: opts.mode.kind === "concurrency" ? opts.mode.workers : opts.connections },
    () => new HttpConnection(host, port, opts.timeoutMs),
  );
  const catalog = { titles: generator.titles.length, accepted: 0 };
  if (opts.catalog) catalog.accepted = await sendCatalog(generator, pool, ctx);
  // The catalog is set-up, not load: measure from a clean slate (its events stay in the truth).
  const measured = new RunStats();
  ctx.stats = measured;

  let produced = 0;
  let lastMarker = 0;
  let markerSeq = 0;
  const limit = opts.events ?? Number.POSITIVE_INFINITY;
  const t0 = performance.now();
  const deadline = opts.durationMs === undefined ? Number.POSITIVE_INFINITY : t0 + opts.durationMs;
  const finished = () => produced >= limit || performance.now() >= deadline;

  /** The next request's events: `batch` of them, one of which may be a freshness marker. */
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

  hooks.onWindow?.("start");
  const ticker = startTicker(measured, t0, hooks);
  let unsent = 0;
  try {
    if (opts.mode.kind === "concurrency") {
      await Promise.all(
        pool.map(async (conn) => {
          while (!finished()) {
            const events = nextBatch();
            if (events.length === 0) break;
            await sendBatch(conn, events, performance.now(), ctx);
          }
        }),
      );
    } else {
      unsent = await openModel(opts.mode.eventsPerSecond, opts.batch, pool, finished, nextBatch, ctx);
    }
  } finally {
    ticker.stop();
  }
  const elapsedMs = performance.now() - t0;
  hooks.onWindow?.("end");
  for (const c of pool) c.close();
  await freshness?.settle();
  return { options: opts, stats: measured, truth, unconfirmed, generator, freshness, catalog, elapsedMs, unsent };
}

/** Sends the catalog in batches of up to 500 over the pool; returns how many were stored. */
async function sendCatalog(generator: TrafficGenerator, pool: HttpConnection[], ctx: SendContext): Promise<number> {
  const events = generator.catalogEvents(Date.now());
  const batches: GeneratedEvent[][] = [];
  for (let i = 0; i < events.length; i += 500) batches.push(events.slice(i, i + 500));
  const saved = ctx.format;
  ctx.format = "json";
  await Promise.all(
    pool.slice(0, 4).map(async (conn) => {
      for (let b = batches.shift(); b; b = batches.shift()) await sendBatch(conn, b, performance.now(), ctx);
    }),
  );
  ctx.format = saved;
  return ctx.truth.catalogIds().size;
}

/**
 * The open model: request k is due at t0 + k × batch / rate, whatever happened to earlier
 * ones. A due request waits for a free connection and is charged for the wait. Returns how
 * many due requests were never sent because the run ended first.
 */
async function openModel(
  rate: number,
  batch: number,
  pool: HttpConnection[],
  finished: () => boolean,
  nextBatch: () => GeneratedEvent[],
  ctx: SendContext,
): Promise<number> {
  const intervalMs = (batch / rate) * 1000;
  const idle = [...pool];
  const due: number[] = [];
  let head = 0;
  let scheduled = 0;
  const t0 = performance.now();
  const inFlight = new Set<Promise<void>>();

  const dispatch = () => {
    while (head < due.length && idle.length > 0 && !finished()) {
      const conn = idle.pop();
      const at = due[head++];
      if (!conn || at === undefined) break;
      const events = nextBatch();
      if (events.length === 0) {
        idle.push(conn);
        break;
      }
      const p = sendBatch(conn, events, at, ctx).finally(() => {
        inFlight.delete(p);
        idle.push(conn);
        dispatch();
      });
      inFlight.add(p);
    }
    if (head > 4096) {
      due.splice(0, head);
      head = 0;
    }
  };

  while (!finished()) {
    const now = performance.now();
    const target = Math.floor((now - t0) / intervalMs) + 1;
    while (scheduled < target) due.push(t0 + intervalMs * scheduled++);
    dispatch();
    const nextDue = t0 + intervalMs * scheduled;
    await new Promise((r) => setTimeout(r, Math.max(0, Math.min(10, nextDue - performance.now()))));
  }
  await Promise.all([...inFlight]);
  return due.length - head;
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
