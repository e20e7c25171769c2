import { Histogram } from "./histogram.ts";
import { HttpClientError, type HttpConnection } from "./http-client.ts";
import type { GroundTruth } from "./truth.ts";
import type { GeneratedEvent } from "./views.ts";

interface IngestAnswer {
  accepted?: number;
  duplicates?: number;
  rejected?: number;
  results?: { index: number; status: string; error?: string }[];
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
}

export interface SendContext {
  path: string;
  headers: Record<string, string>;
  format: "json" | "ndjson";
  retries: number;
  stats: RunStats;
  truth: GroundTruth;
  /** Events whose request failed without an answer; looked up by --verify. */
  unconfirmed: Map<string, GeneratedEvent>;
  onAccepted?: (e: GeneratedEvent, at: number) => void;
}

function encode(events: readonly GeneratedEvent[], format: "json" | "ndjson"): Buffer {
  if (events.length === 1 && format === "json") return Buffer.from(JSON.stringify(events[0]?.body));
  if (format === "ndjson") return Buffer.from(events.map((e) => JSON.stringify(e.body)).join("\n"));
  return Buffer.from(`[${events.map((e) => JSON.stringify(e.body)).join(",")}]`);
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Sends one request of `events`, retrying transport errors and 5xx answers with the same
 * event ids (the edge deduplicates them), and records the outcome in the stats and the
 * ground truth. Latency runs from `intendedAt` (performance.now() time), so a request that
 * waited for a free connection is charged for the wait (no coordinated omission).
 */
export async function sendBatch(
  conn: HttpConnection,
  events: readonly GeneratedEvent[],
  intendedAt: number,
  ctx: SendContext,
): Promise<void> {
  const { stats } = ctx;
  const body = encode(events, ctx.format);
  stats.requests++;
  stats.eventsSent += events.length;
  stats.inFlight++;
  try {
    for (let attempt = 0; ; attempt++) {
      let status: number;
      let answer: Buffer;
      try {
        const r = await conn.request("POST", ctx.path, ctx.headers, body);
        status = r.status;
        answer = r.body;
      } catch (err: unknown) {
        const code = err instanceof HttpClientError ? err.code : "error";
        stats.countError(code);
        if (attempt < ctx.retries) {
          stats.retries++;
          await sleep(100 * 2 ** attempt);
          continue;
        }
        return giveUp(events, ctx);
      }
      if (status === 202 || status === 400) {
        const t = performance.now();
        stats.latency.record((t - intendedAt) * 1000);
        stats.interval.record((t - intendedAt) * 1000);
        if (status === 400) stats.countError("400");
        account(events, status, answer, ctx);
        stats.requestsOk++;
        return;
      }
      stats.countError(String(status));
      if ((status >= 500 || status === 429 || status === 408) && attempt < ctx.retries) {
        stats.retries++;
        await sleep(Math.min(1000, 100 * 2 ** attempt));
        continue;
      }
      if (status >= 500 || status === 429 || status === 408) return giveUp(events, ctx);
      // 401, 403, 413, 415: nothing was stored and retrying cannot help.
      stats.requestsFailed++;
      stats.rejected += events.length;
      const reason = `HTTP ${status}: ${answer.toString("utf8").slice(0, 200)}`;
      stats.rejectReasons.set(reason, (stats.rejectReasons.get(reason) ?? 0) + events.length);
      return;
    }
  } finally {
    stats.inFlight--;
  }
}

function giveUp(events: readonly GeneratedEvent[], ctx: SendContext): void {
  ctx.stats.requestsFailed++;
  ctx.stats.unconfirmed += events.length;
  for (const e of events) ctx.unconfirmed.set(e.id, e);
}

function account(events: readonly GeneratedEvent[], status: number, answer: Buffer, ctx: SendContext): void {
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
    for (const e of events) {
      ctx.truth.accept(e);
      ctx.onAccepted?.(e, now);
    }
    return;
  }
  for (const r of parsed.results ?? []) {
    const e = events[r.index];
    if (!e) continue;
    if (r.status === "accepted" || r.status === "duplicate") {
      if (r.status === "accepted") stats.accepted++;
      else stats.duplicates++;
      ctx.truth.accept(e);
      ctx.onAccepted?.(e, now);
    } else {
      stats.rejected++;
      const reason = (r.error ?? "rejected").slice(0, 200);
      stats.rejectReasons.set(reason, (stats.rejectReasons.get(reason) ?? 0) + 1);
    }
  }
}
