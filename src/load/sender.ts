import { answerMessage } from "./errors.ts";
import { Histogram } from "./histogram.ts";
import { HttpClientError, type HttpConnection } from "./http-client.ts";

interface IngestAnswer {
  accepted?: number;
  duplicates?: number;
  rejected?: number;
  results?: { index: number; status: string; error?: string }[];
  error?: { code?: string };
}

/** An event as the senders see it: its id and the JSON body that goes on the wire. */
export interface Outgoing {
  id: string;
  body: unknown;
}

/** One HTTP exchange of a batch, or a failed attempt at one. */
export interface Attempt {
  /** Date.now() when the request was sent and when its answer (or error) arrived. */
  sentAt: number;
  answeredAt: number;
  /** HTTP status, or 0 when the connection failed or timed out. */
  status: number;
  retryAfter: string | null;
  events: number;
  /** Connection error text, or the error code of a non-202 answer. */
  error?: string;
  /** The error message of a non-202 answer (`error.message`, or the start of the body). */
  message?: string;
}

/** When a batch is sent again after a transport error or a 5xx/429/408 answer, and how long after. */
export interface RetryPolicy {
  /** Retries after the first attempt (Infinity: until `giveUpAt`). */
  retries: number;
  /** Date.now() after which no retry starts; read after every failed attempt. */
  giveUpAt?: () => number;
  /** The wait before retry number `attempt` (0 = the first retry), given the failed attempt. */
  delayMs: (attempt: number, failed: Attempt) => number;
}

/** `playpulse load`'s policy: `retries` retries, 100 ms doubling (at most 1 s after an answer). */
export function backoffPolicy(retries: number): RetryPolicy {
  return {
    retries,
    delayMs: (attempt, failed) => (failed.status === 0 ? 100 * 2 ** attempt : Math.min(1000, 100 * 2 ** attempt)),
  };
}

/** Counters of a run, shared by the schedulers and the progress line. */
export class RunStats {
  readonly latency = new Histogram();
  /** Latency of the current progress interval; reset by the progress line. */
  interval = new Histogram();
  requests = 0;
  requestsOk = 0;
  requestsFailed = 0;
  eventsSent = 0;
  accepted = 0;
  duplicates = 0;
  rejected = 0;
  /** Events of requests whose outcome is unknown after every retry (maybe stored, maybe not). */
  unconfirmed = 0;
  retries = 0;
  /** Every non-202 answer and every transport error, by status or error code (each attempt). */
  readonly errors = new Map<string, number>();
  readonly rejectReasons = new Map<string, number>();
  inFlight = 0;

  countError(key: string): void {
    this.errors.set(key, (this.errors.get(key) ?? 0) + 1);
  }

  countReject(reason: string, n: number): void {
    this.rejected += n;
    this.rejectReasons.set(reason, (this.rejectReasons.get(reason) ?? 0) + n);
  }
}

export interface SendContext<E extends Outgoing = Outgoing> {
  path: string;
  headers: Record<string, string>;
  format: "json" | "ndjson";
  retry: RetryPolicy;
  stats: RunStats;
  /** Events whose request failed without an answer; looked up by --verify. */
  unconfirmed: Map<string, E>;
  /** An event answered "accepted" or "duplicate": the edge promised to keep it. */
  onAccepted?: (e: E, at: number) => void;
  /** An event answered "rejected", or every event of a batch refused whole (401, 413, ...). */
  onRejected?: (e: E, reason: string) => void;
  /** Every attempt, answered or not. */
  onAttempt?: (a: Attempt) => void;
}

/** A request's body: one event as a JSON object, several as one JSON array (one `JSON.stringify`), or NDJSON. */
export function encodeBody(events: readonly Outgoing[], format: "json" | "ndjson"): Buffer {
  if (format === "ndjson") return Buffer.from(events.map((e) => JSON.stringify(e.body)).join("\n"));
  return Buffer.from(JSON.stringify(events.length === 1 ? events[0]?.body : events.map((e) => e.body)));
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

const retryable = (status: number) => status === 0 || status >= 500 || status === 429 || status === 408;

/** One POST of `body`: the answer and its attempt record; a transport error is status 0. */
async function attempt(
  conn: HttpConnection,
  body: Buffer,
  events: number,
  ctx: Pick<SendContext, "path" | "headers" | "stats">,
): Promise<{ record: Attempt; answer: Buffer }> {
  const sentAt = Date.now();
  try {
    const r = await conn.request("POST", ctx.path, ctx.headers, body);
    const record: Attempt = { sentAt, answeredAt: Date.now(), status: r.status, retryAfter: r.retryAfter, events };
    if (r.status !== 202) {
      record.error = errorCode(r.body);
      record.message = answerMessage(r.body.toString("utf8"));
    }
    return { record, answer: r.body };
  } catch (err: unknown) {
    const code = err instanceof HttpClientError ? err.code : "error";
    ctx.stats.countError(code);
    const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : "";
    const error = `${err instanceof Error ? err.message : String(err)}${cause}`;
    return {
      record: { sentAt, answeredAt: Date.now(), status: 0, retryAfter: null, events, error },
      answer: Buffer.alloc(0),
    };
  }
}

function errorCode(answer: Buffer): string {
  const text = answer.toString("utf8");
  try {
    return (JSON.parse(text) as IngestAnswer).error?.code ?? text.slice(0, 200);
  } catch {
    return text.slice(0, 200);
  }
}

/**
 * Sends one request of `events`, retrying transport errors and 5xx/429/408 answers with the
 * same event ids (the edge deduplicates them) as `ctx.retry` says, and records the outcome in
 * the stats and through the context's hooks. Latency runs from `intendedAt`
 * (performance.now() time), so a request that waited for a free connection is charged for the
 * wait (no coordinated omission).
 */
export async function sendBatch<E extends Outgoing>(
  conn: HttpConnection,
  events: readonly E[],
  intendedAt: number,
  ctx: SendContext<E>,
): Promise<void> {
  const { stats } = ctx;
  const body = encodeBody(events, ctx.format);
  stats.requests++;
  stats.eventsSent += events.length;
  stats.inFlight++;
  try {
    for (let n = 0; ; n++) {
      const { record, answer } = await attempt(conn, body, events.length, ctx);
      ctx.onAttempt?.(record);
      const { status } = record;
      if (status === 202 || status === 400) {
        const t = performance.now();
        stats.latency.record((t - intendedAt) * 1000);
        stats.interval.record((t - intendedAt) * 1000);
        if (status === 400) stats.countError("400");
        return account(events, status, answer, ctx);
      }
      if (status !== 0) stats.countError(String(status));
      if (!retryable(status)) return refuse(events, `HTTP ${status}: ${answer.toString("utf8").slice(0, 200)}`, ctx);
      if (n >= ctx.retry.retries || Date.now() > (ctx.retry.giveUpAt?.() ?? Number.POSITIVE_INFINITY)) {
        return giveUp(events, ctx);
      }
      stats.retries++;
      await sleep(ctx.retry.delayMs(n, record));
    }
  } finally {
    stats.inFlight--;
  }
}

/** 401, 403, 413, 415: nothing was stored and retrying cannot help. */
function refuse<E extends Outgoing>(events: readonly E[], reason: string, ctx: SendContext<E>): void {
  ctx.stats.requestsFailed++;
  ctx.stats.countReject(reason, events.length);
  for (const e of events) ctx.onRejected?.(e, reason);
}

function giveUp<E extends Outgoing>(events: readonly E[], ctx: SendContext<E>): void {
  ctx.stats.requestsFailed++;
  ctx.stats.unconfirmed += events.length;
  for (const e of events) ctx.unconfirmed.set(e.id, e);
}

function account<E extends Outgoing>(events: readonly E[], status: number, answer: Buffer, ctx: SendContext<E>): void {
  const { stats } = ctx;
  let parsed: IngestAnswer;
  try {
    parsed = JSON.parse(answer.toString("utf8")) as IngestAnswer;
  } catch {
    stats.countError("unreadable-202");
    return giveUp(events, ctx);
  }
  const now = performance.now();
  if (status === 202 && parsed.rejected === 0 && (parsed.accepted ?? 0) + (parsed.duplicates ?? 0) === events.length) {
    stats.accepted += parsed.accepted ?? 0;
    stats.duplicates += parsed.duplicates ?? 0;
    stats.requestsOk++;
    for (const e of events) ctx.onAccepted?.(e, now);
    return;
  }
  if (parsed.results === undefined) return refuse(events, `HTTP ${status}: ${errorCode(answer)}`, ctx);
  stats.requestsOk++;
  for (const r of parsed.results) {
    const e = events[r.index];
    if (!e) continue;
    if (r.status === "accepted" || r.status === "duplicate") {
      if (r.status === "accepted") stats.accepted++;
      else stats.duplicates++;
      ctx.onAccepted?.(e, now);
    } else {
      const reason = (r.error ?? "rejected").slice(0, 200);
      stats.countReject(reason, 1);
      ctx.onRejected?.(e, reason);
    }
  }
}
