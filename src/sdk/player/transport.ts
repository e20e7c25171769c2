import type { VideoEvent } from "../../events/types.ts";

/** What the transport needs from the page; tests pass their own. */
export interface TransportEnv {
  fetch: (url: string, init: RequestInit) => Promise<{ status: number }>;
  /** `navigator.sendBeacon`; false when the browser would not queue it. */
  sendBeacon: (url: string, body: string) => boolean;
  setTimeout: (fn: () => void, ms: number) => unknown;
  clearTimeout: (handle: unknown) => void;
  random: () => number;
}

export interface TransportOptions {
  endpoint: string;
  key: string;
  flushIntervalMs: number;
  maxBatch: number;
  maxQueue: number;
}

export interface Transport {
  /** Queues an event and sends the queue when it holds `maxBatch` events. */
  push(event: VideoEvent): void;
  /** Sends whatever is queued now (unless a send is already on its way). */
  flush(): void;
  /** Sends everything not yet delivered by `sendBeacon` (survives the page closing); with `close`, stops for good. */
  beacon(close: boolean): void;
  dropped(): number;
}

/** Retry delays: exponential from 1 s, capped at 60 s, with full jitter. */
const BASE_MS = 1000;
const CAP_MS = 60_000;
/** sendBeacon refuses bodies over 64 KiB; stay under it. */
const BEACON_BYTES = 60_000;

export function backoff(attempt: number, random: () => number): number {
  return Math.floor(random() * Math.min(CAP_MS, BASE_MS * 2 ** attempt));
}

const RETRY = (status: number) => status === 429 || status === 503 || status === 502 || status === 504;

/** Sends one batch; resolves with whether to send it again (429, 5xx busy, network error). */
function post(url: string, key: string, events: VideoEvent[], env: TransportEnv): Promise<boolean> {
  return env
    .fetch(url, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify(events),
      keepalive: true,
    })
    .then(
      (res) => RETRY(res.status),
      () => true,
    );
}

/** Sends `events` as NDJSON beacons of at most BEACON_BYTES each. */
function sendBeacons(beaconUrl: string, events: VideoEvent[], env: TransportEnv): void {
  let lines: string[] = [];
  let size = 0;
  const send = () => {
    if (lines.length === 0) return;
    const body = lines.join("\n");
    // A browser that will not queue the beacon still gets a keepalive fetch (text/plain: no preflight).
    if (!env.sendBeacon(beaconUrl, body)) {
      env
        .fetch(beaconUrl, { method: "POST", headers: { "content-type": "text/plain" }, body, keepalive: true })
        .catch(() => undefined);
    }
    lines = [];
    size = 0;
  };
  for (const e of events) {
    const line = JSON.stringify(e);
    if (size + line.length > BEACON_BYTES) send();
    lines.push(line);
    size += line.length + 1;
  }
  send();
}

/**
 * Batching and delivery. One request at a time, in order; on 429, 503 or a network error the same
 * batch (same event ids, so the edge answers "duplicate" for any it already stored) is sent again
 * after an exponential, fully jittered delay. Any other answer settles the batch (a 400's
 * per-event reasons cannot be fixed by sending again). When `maxQueue` events wait, the oldest is
 * dropped for each new one. Never throws.
 */
export function createTransport(opts: TransportOptions, env: TransportEnv): Transport {
  const url = `${opts.endpoint.replace(/\/+$/, "")}/v1/events`;
  let queue: VideoEvent[] = [];
  /** The batch on its way or waiting for a retry; it stays first in line until settled. */
  let inFlight: VideoEvent[] | null = null;
  let attempt = 0;
  let timer: unknown = null;
  let closed = false;
  let sending = false;
  let dropped = 0;

  function schedule(ms: number): void {
    if (timer !== null || closed) return;
    timer = env.setTimeout(() => {
      timer = null;
      flush(attempt > 0);
    }, ms);
  }

  function push(event: VideoEvent): void {
    if (closed) return;
    queue.push(event);
    const pending = queue.length + (inFlight?.length ?? 0);
    if (pending > opts.maxQueue) {
      queue.shift();
      dropped++;
    }
    if (queue.length >= opts.maxBatch) flush();
    else schedule(opts.flushIntervalMs);
  }

  function settle(retry: boolean): void {
    if (retry && !closed) {
      attempt++;
      env.clearTimeout(timer);
      timer = null;
      schedule(backoff(attempt, env.random));
      return;
    }
    inFlight = null;
    attempt = 0;
    if (queue.length > 0) schedule(opts.flushIntervalMs);
  }

  /** Sends the batch in line; not while a request is out, nor (unless `retry`) while waiting to retry. */
  function flush(retry = false): void {
    if (closed || sending || (attempt > 0 && !retry)) return;
    env.clearTimeout(timer);
    timer = null;
    if (inFlight === null) {
      if (queue.length === 0) return;
      inFlight = queue.slice(0, opts.maxBatch);
      queue = queue.slice(inFlight.length);
    }
    sending = true;
    const done = (retryIt: boolean) => {
      sending = false;
      settle(retryIt);
    };
    post(url, opts.key, inFlight, env)
      .then(done)
      .catch(() => undefined);
  }

  function beacon(close: boolean): void {
    if (closed) return;
    const events = [...(inFlight ?? []), ...queue];
    inFlight = null;
    queue = [];
    attempt = 0;
    env.clearTimeout(timer);
    timer = null;
    if (close) closed = true;
    sendBeacons(`${url}?key=${encodeURIComponent(opts.key)}`, events, env);
  }

  return { push, flush: () => flush(), beacon, dropped: () => dropped };
}
