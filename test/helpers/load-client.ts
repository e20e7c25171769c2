import { setTimeout as delay } from "node:timers/promises";

/** A play event as the load client sends it: always with its own id, so a retry is recognisable. */
export interface LoadEvent {
  id: string;
  type: string;
  timestamp: string;
  [field: string]: unknown;
}

/** One HTTP exchange (or failed attempt) of the load client. */
export interface ResponseRecord {
  /** Date.now() when the request was sent and when its answer (or error) arrived. */
  sentAt: number;
  answeredAt: number;
  /** HTTP status, or 0 when the connection failed or timed out. */
  status: number;
  retryAfter: string | null;
  events: number;
  /** Connection error text, or the error code of a non-202 answer. */
  error?: string;
}

export interface LoadStats {
  requests: number;
  /** Batches sent again after a 503, a connection error or a 5xx. */
  retries: number;
  byStatus: Record<string, number>;
  /** Event ids answered "accepted" / "duplicate" (an id can be both across retries). */
  accepted: number;
  duplicates: number;
  /** Events answered "rejected": never expected from generated valid events. */
  rejected: { id: string; error: string }[];
  /** Batches given up on: a 4xx other than 503, or still unanswered at the stop deadline. */
  abandoned: number;
}

export interface LoadClient {
  /** Every event answered "accepted" or "duplicate", by id: the set ClickHouse must hold. */
  readonly confirmed: ReadonlyMap<string, LoadEvent>;
  readonly responses: readonly ResponseRecord[];
  stats(): LoadStats;
  /** Resolves once at least `n` more events are confirmed than when called. */
  confirmedAtLeast(n: number, timeoutMs: number): Promise<void>;
  /**
   * Stops starting new batches, then waits (up to `timeoutMs`) for batches still being
   * retried to be answered, and returns the final stats.
   */
  stop(timeoutMs?: number): Promise<LoadStats>;
}

export interface LoadOptions {
  /** The ingest base URL: `http://127.0.0.1:<port>`. */
  url: string;
  writeKey: string;
  /** The next batch to send; called once per new batch (never for a retry). */
  nextBatch: () => LoadEvent[];
  /** Batches in flight at once (each retried until answered). Default 2. */
  concurrency?: number;
  /** Pause between a worker's answered batch and its next new batch. Default 50 ms. */
  pauseMs?: number;
  /** Wait after a connection error before the same batch is sent again. Default 250 ms. */
  reconnectMs?: number;
  /** Per-request timeout: a request to a paused or dead server counts as a failed attempt. Default 20 s. */
  requestTimeoutMs?: number;
}

interface IngestBody {
  results?: { id: string | null; status: string; error?: string }[];
  error?: { code?: string };
}

/**
 * A small load generator that behaves like a well-made player SDK: it POSTs batches of events
 * with ids, and when the answer is a 503 (or the connection fails) it sends the same batch
 * again, with the same ids, after `Retry-After` seconds. Every id answered `accepted` or
 * `duplicate` is recorded in `confirmed`: that is what the edge promised to keep.
 *
 * @example
 * const load = startLoad({ url: ingest.baseUrl, writeKey, nextBatch: () => gen.batch(20) });
 * await load.confirmedAtLeast(500, 30_000);
 * const stats = await load.stop();
 */
export function startLoad(opts: LoadOptions): LoadClient {
  const concurrency = opts.concurrency ?? 2;
  const pauseMs = opts.pauseMs ?? 50;
  const reconnectMs = opts.reconnectMs ?? 250;
  const requestTimeoutMs = opts.requestTimeoutMs ?? 20_000;
  const confirmed = new Map<string, LoadEvent>();
  const responses: ResponseRecord[] = [];
  const stats: LoadStats = {
    requests: 0,
    retries: 0,
    byStatus: {},
    accepted: 0,
    duplicates: 0,
    rejected: [],
    abandoned: 0,
  };
  let stopping = false;
  let deadline = Number.POSITIVE_INFINITY;
  const progress = new Set<() => void>();

  async function post(batch: LoadEvent[]): Promise<ResponseRecord & { body: IngestBody | undefined }> {
    const sentAt = Date.now();
    stats.requests++;
    try {
      const res = await fetch(`${opts.url}/v1/events`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${opts.writeKey}` },
        body: JSON.stringify(batch),
        signal: AbortSignal.timeout(requestTimeoutMs),
      });
      const text = await res.text();
      let body: IngestBody | undefined;
      try {
        body = JSON.parse(text) as IngestBody;
      } catch {
        body = undefined;
      }
      const record: ResponseRecord = {
        sentAt,
        answeredAt: Date.now(),
        status: res.status,
        retryAfter: res.headers.get("retry-after"),
        events: batch.length,
        ...(res.status === 202 ? {} : { error: body?.error?.code ?? text.slice(0, 200) }),
      };
      return { ...record, body };
    } catch (err: unknown) {
      const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : "";
      const error = `${err instanceof Error ? err.message : String(err)}${cause}`;
      return {
        sentAt,
        answeredAt: Date.now(),
        status: 0,
        retryAfter: null,
        events: batch.length,
        error,
        body: undefined,
      };
    }
  }

  /** Sends one batch until it is answered for good; returns false when it was given up. */
  async function deliver(batch: LoadEvent[]): Promise<boolean> {
    const byId = new Map(batch.map((e) => [e.id, e]));
    for (let attempt = 0; ; attempt++) {
      if (attempt > 0) stats.retries++;
      const { body, ...record } = await post(batch);
      responses.push(record);
      const key = String(record.status);
      stats.byStatus[key] = (stats.byStatus[key] ?? 0) + 1;
      if (record.status === 202 || record.status === 400) {
        for (const r of body?.results ?? []) {
          const event = r.id === null ? undefined : byId.get(r.id);
          if (r.status === "accepted" || r.status === "duplicate") {
            if (r.status === "accepted") stats.accepted++;
            else stats.duplicates++;
            if (event) confirmed.set(event.id, event);
          } else {
            stats.rejected.push({ id: r.id ?? "(none)", error: r.error ?? "(no reason)" });
          }
        }
        for (const p of progress) p();
        if (body?.results !== undefined) return true;
      }
      const retryable = record.status === 0 || record.status >= 500;
      if (!retryable || Date.now() > deadline) {
        stats.abandoned++;
        return false;
      }
      const waitMs =
        record.retryAfter !== null && /^\d+$/.test(record.retryAfter) ? Number(record.retryAfter) * 1000 : reconnectMs;
      await delay(waitMs);
    }
  }

  async function worker(): Promise<void> {
    while (!stopping) {
      await deliver(opts.nextBatch());
      if (!stopping) await delay(pauseMs);
    }
  }

  const workers = Array.from({ length: concurrency }, () => worker());

  return {
    confirmed,
    responses,
    stats: () => ({ ...stats, byStatus: { ...stats.byStatus }, rejected: [...stats.rejected] }),
    confirmedAtLeast(n, timeoutMs) {
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
          reject(
            new Error(
              `load: ${confirmed.size}/${target} events confirmed after ${timeoutMs} ms; last answers: ${JSON.stringify(responses.slice(-3))}`,
            ),
          );
        }, timeoutMs);
        progress.add(check);
      });
    },
    async stop(timeoutMs = 60_000) {
      stopping = true;
      deadline = Date.now() + timeoutMs;
      await Promise.all(workers);
      return { ...stats, byStatus: { ...stats.byStatus }, rejected: [...stats.rejected] };
    },
  };
}

export interface PlayGenerator {
  /** The next `n` events: whole views, each play_requested → played → heartbeats → completed or ended. */
  batch(n: number): LoadEvent[];
  /** One `video.encoding.completed` per title, for the content consumer. */
  catalog(): LoadEvent[];
  videoIds: readonly string[];
}

/**
 * Deterministic-enough play traffic over `videos` titles for `ns`: ids are `<ns>-<n>`, views
 * `<ns>-v<n>` (one title each), users `<ns>-u<n % users>`, timestamps within the last minutes.
 */
export function playGenerator(ns: string, opts: { videos?: number; users?: number } = {}): PlayGenerator {
  const videos = opts.videos ?? 8;
  const users = opts.users ?? 50;
  const videoIds = Array.from({ length: videos }, (_, i) => `${ns}-m${i}`);
  let nextId = 0;
  let nextView = 0;
  const queue: LoadEvent[] = [];
  const rand = (n: number) => Math.floor(Math.random() * n);

  function view(): void {
    const v = nextView++;
    const base = {
      user_id: `${ns}-u${v % users}`,
      view_id: `${ns}-v${v}`,
      video_id: videoIds[v % videos] ?? `${ns}-m0`,
    };
    const start = Date.now() - 60_000 - rand(600_000);
    let t = start;
    const ev = (type: string, fields: Record<string, unknown>): LoadEvent => {
      t += 1000 + rand(5000);
      return { id: `${ns}-${nextId++}`, type, timestamp: new Date(t).toISOString(), ...base, ...fields };
    };
    queue.push(ev("user.video.play_requested", { position_ms: 0, duration_ms: 600_000 }));
    if (rand(10) === 0) {
      queue.push(ev("user.video.ended", { position_ms: 0, played_ms: 0, rebuffer_ms: 0 }));
      return;
    }
    queue.push(ev("user.video.played", { position_ms: 0, startup_ms: 200 + rand(2000) }));
    let played = 0;
    let rebuffer = 0;
    for (let h = rand(4); h > 0; h--) {
      played += 10_000 + rand(20_000);
      rebuffer += rand(3) === 0 ? rand(2000) : 0;
      queue.push(ev("user.video.heartbeat", { position_ms: played, played_ms: played, rebuffer_ms: rebuffer }));
    }
    played += rand(30_000);
    const done = rand(3) === 0;
    queue.push(
      ev(done ? "user.video.completed" : "user.video.ended", {
        position_ms: played,
        played_ms: played,
        rebuffer_ms: rebuffer,
      }),
    );
  }

  return {
    videoIds,
    batch(n) {
      while (queue.length < n) view();
      return queue.splice(0, n);
    },
    catalog() {
      return videoIds.map((video_id, i) => ({
        id: `${ns}-c${i}`,
        type: "video.encoding.completed",
        timestamp: new Date(Date.now() - 3600_000).toISOString(),
        video_id,
        title: `Title ${i}`,
        duration_ms: 600_000,
        genres: [i % 2 === 0 ? "drama" : "comedy"],
      }));
    },
  };
}
