import { setTimeout as delay } from "node:timers/promises";
import { HttpConnection } from "./http-client.ts";
import { RunStats, sendBatch, type Attempt, type RetryPolicy, type SendContext } from "./sender.ts";

/** A play event as the steady load sends it: always with its own id, so a retry is recognisable. */
export interface LoadEvent {
  id: string;
  type: string;
  timestamp: string;
  [field: string]: unknown;
}

export interface SteadyLoadStats {
  /** HTTP attempts, retries included. */
  requests: number;
  /** Batches sent again after a connection error or a 5xx/429/408 answer. */
  retries: number;
  /** Attempts by HTTP status ("0": the connection failed or timed out). */
  byStatus: Record<string, number>;
  /** Events answered "accepted" / "duplicate" (an id can be both across retries). */
  accepted: number;
  duplicates: number;
  /** Events answered "rejected": never expected from generated valid events. */
  rejected: { id: string; error: string }[];
  /** Batches given up on: refused whole (a 4xx other than 408/429), or still failing at the stop deadline. */
  abandoned: number;
}

export interface SteadyLoad {
  /** Every event answered "accepted" or "duplicate", by id: the set the pipeline must store. */
  readonly confirmed: ReadonlyMap<string, LoadEvent>;
  /** Every attempt in the order answered. */
  readonly responses: readonly Attempt[];
  stats(): SteadyLoadStats;
  /** Resolves once at least `n` more events are confirmed than when called. */
  confirmedAtLeast(n: number, timeoutMs: number): Promise<void>;
  /**
   * Stops starting new batches, then waits (up to `timeoutMs`) for batches still being
   * retried to be answered, and returns the final stats.
   */
  stop(timeoutMs?: number): Promise<SteadyLoadStats>;
}

export interface SteadyLoadOptions {
  /** The ingest base URL: `http://127.0.0.1:<port>`. */
  url: string;
  writeKey: string;
  /** The next batch to send; called once per new batch (never for a retry). */
  nextBatch: () => LoadEvent[];
  /** Batches in flight at once, one connection each (each batch retried until answered). Default 2. */
  concurrency?: number;
  /** Pause between a worker's answered batch and its next new batch. Default 50 ms. */
  pauseMs?: number;
  /** Wait after a failed attempt without a numeric Retry-After before the same batch is sent again. Default 250 ms. */
  reconnectMs?: number;
  /** Per-request timeout: a request to a paused or dead server counts as a failed attempt. Default 20 s. */
  requestTimeoutMs?: number;
}

interface Tracked {
  id: string;
  body: LoadEvent;
}

/** Retries until the stop deadline, after `Retry-After` seconds when the answer says so. */
function untilStopped(giveUpAt: () => number, reconnectMs: number): RetryPolicy {
  return {
    retries: Number.POSITIVE_INFINITY,
    giveUpAt,
    delayMs: (_attempt, failed) =>
      failed.retryAfter !== null && /^\d+$/.test(failed.retryAfter) ? Number(failed.retryAfter) * 1000 : reconnectMs,
  };
}

/** Resolves once `confirmed` holds `n` more ids than now; `progress` is told after every answered batch. */
function confirmedAtLeast(
  confirmed: ReadonlyMap<string, LoadEvent>,
  progress: Set<() => void>,
  responses: readonly Attempt[],
  n: number,
  timeoutMs: number,
): Promise<void> {
  const target = confirmed.size + n;
  if (n <= 0) return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    const check = () => {
      if (confirmed.size < target) return;
      clearTimeout(timer);
      progress.delete(check);
      resolve();
    };
    const timer = setTimeout(() => {
      progress.delete(check);
      const last = JSON.stringify(responses.slice(-3));
      reject(
        new Error(`load: ${confirmed.size}/${target} events confirmed after ${timeoutMs} ms; last answers: ${last}`),
      );
    }, timeoutMs);
    progress.add(check);
  });
}

/**
 * Load that behaves like a well-made player SDK, for tests that break the pipeline while it
 * runs: `concurrency` workers POST batches of events with ids; after a 503 (or a failed
 * connection) a worker sends the same batch again, with the same ids, after `Retry-After`
 * seconds, until it is answered or `stop` gives up. Every id answered `accepted` or
 * `duplicate` is recorded in `confirmed`: what the edge promised to keep. It sends with the
 * same `sendBatch` as `playpulse load`.
 *
 * @example
 * const load = startLoad({ url: ingest.baseUrl, writeKey, nextBatch: () => gen.batch(20) });
 * await load.confirmedAtLeast(500, 30_000);
 * const stats = await load.stop();
 */
export function startLoad(opts: SteadyLoadOptions): SteadyLoad {
  const pauseMs = opts.pauseMs ?? 50;
  const { hostname, port } = new URL(opts.url);
  const confirmed = new Map<string, LoadEvent>();
  const responses: Attempt[] = [];
  const byStatus: Record<string, number> = {};
  const rejected: { id: string; error: string }[] = [];
  const progress = new Set<() => void>();
  let stopping = false;
  let deadline = Number.POSITIVE_INFINITY;
  const ctx: SendContext<Tracked> = {
    path: "/v1/events",
    headers: { "content-type": "application/json", authorization: `Bearer ${opts.writeKey}` },
    format: "json",
    retry: untilStopped(() => deadline, opts.reconnectMs ?? 250),
    stats: new RunStats(),
    unconfirmed: new Map(),
    onAccepted: (e) => void confirmed.set(e.id, e.body),
    onRejected: (e, error) => void rejected.push({ id: e.id, error }),
    onAttempt: (a) => {
      responses.push(a);
      byStatus[String(a.status)] = (byStatus[String(a.status)] ?? 0) + 1;
    },
  };

  async function worker(): Promise<void> {
    const conn = new HttpConnection(hostname, Number(port || 80), opts.requestTimeoutMs ?? 20_000);
    try {
      while (!stopping) {
        const batch = opts.nextBatch().map((e) => ({ id: e.id, body: e }));
        await sendBatch(conn, batch, performance.now(), ctx);
        for (const p of progress) p();
        if (!stopping) await delay(pauseMs);
      }
    } finally {
      conn.close();
    }
  }
  const workers = Array.from({ length: opts.concurrency ?? 2 }, () => worker());

  const stats = (): SteadyLoadStats => {
    const s = ctx.stats;
    const requests = responses.length;
    return {
      requests,
      retries: s.retries,
      byStatus: { ...byStatus },
      accepted: s.accepted,
      duplicates: s.duplicates,
      rejected: [...rejected],
      abandoned: s.requestsFailed,
    };
  };

  return {
    confirmed,
    responses,
    stats,
    confirmedAtLeast: (n, timeoutMs) => confirmedAtLeast(confirmed, progress, responses, n, timeoutMs),
    async stop(timeoutMs = 60_000) {
      stopping = true;
      deadline = Date.now() + timeoutMs;
      await Promise.all(workers);
      return stats();
    },
  };
}
