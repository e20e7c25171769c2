import { DeliverPolicy, jetstream, jetstreamManager, type Consumer, type JsMsg } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { jitteredBackoffMs, type ConsumerHandler, type MessageRows } from "../bus/index.ts";
import { createRangeReader } from "./read.ts";

/** Where a replay starts or ends: a stream sequence, or the time JetStream stored the message. */
export type Position = { seq: number } | { time: Date };

export class ReplayError extends Error {
  override name = "ReplayError";
}

/** `--from`/`--to`: a positive integer is a stream sequence, anything else must be an ISO 8601 time. */
export function parsePosition(name: string, raw: string): Position {
  if (/^\d{1,15}$/.test(raw)) {
    const seq = Number(raw);
    if (seq < 1) throw new ReplayError(`${name}: stream sequences start at 1, got ${raw}`);
    return { seq };
  }
  if (/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/.test(raw)) {
    const t = Date.parse(raw);
    if (!Number.isNaN(t)) return { time: new Date(t) };
  }
  throw new ReplayError(
    `${name}: must be a stream sequence (e.g. 1) or an ISO 8601 time (e.g. 2026-01-02T03:04:05Z), got "${raw.slice(0, 64)}"`,
  );
}

export interface ReplayOptions<R> {
  stream: string;
  /** The subject filter of the consumer being replayed (its registry subject with the deployment prefix). */
  filter: string;
  /** The consumer's handler, as the consume loop runs it; rows it refuses are reported as skipped. */
  handler: ConsumerHandler<R>;
  from: Position;
  /** Inclusive. Default: the last message stored when the replay starts. */
  to?: Position | undefined;
  /** The most events per write; a packed message (PLAYPULSE_PACK_EVENTS) counts as its events, as in the consume loop. */
  batchSize: number;
  /** Tries per batch write before the replay stops (with the sequence to resume from). */
  writeAttempts?: number;
  onProgress?: (done: number, fraction: number | undefined) => void;
  sleep?: (ms: number) => Promise<void>;
}

export interface ReplayReport {
  consumer: string;
  /** Messages read from the stream (that matched the filter, within the range). */
  messages: number;
  rows: number;
  /** Messages the handler would dead-letter or retry, by reason; a replay skips them (see `playpulse dlq`). */
  skipped: Record<string, number>;
  firstSeq: number | null;
  lastSeq: number | null;
  elapsedMs: number;
}

/** Where the range ends, or undefined when it is empty. */
async function rangeEnd(nc: NatsConnection, opts: ReplayOptions<unknown>): Promise<Range | undefined> {
  const info = await (await jetstreamManager(nc)).streams.info(opts.stream).catch((err: unknown) => {
    throw new ReplayError(`stream ${opts.stream} not found`, { cause: err });
  });
  const endSeq = Math.min(info.state.last_seq, opts.to && "seq" in opts.to ? opts.to.seq : Number.POSITIVE_INFINITY);
  const toTime = opts.to && "time" in opts.to ? opts.to.time.getTime() : undefined;
  if (info.state.messages === 0 || ("seq" in opts.from && opts.from.seq > endSeq)) return undefined;
  return { endSeq, toTime };
}

/** An ordered (ephemeral, unacknowledged) consumer over the range, filtered like the durable one. */
function openRange(nc: NatsConnection, opts: ReplayOptions<unknown>): Promise<Consumer> {
  const start =
    "seq" in opts.from
      ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: opts.from.seq }
      : { deliver_policy: DeliverPolicy.StartTime, opt_start_time: opts.from.time.toISOString() };
  return jetstream(nc).consumers.get(opts.stream, { filter_subjects: opts.filter, ...start });
}

/** Counts what a replay reads, writes and skips, and reports it. */
function createTally(consumer: string) {
  const t0 = performance.now();
  const t = { messages: 0, rows: 0, firstSeq: null as number | null, lastSeq: null as number | null };
  const skipped: Record<string, number> = {};
  return {
    t,
    skip(reason: string) {
      const k = reason.slice(0, 200);
      skipped[k] = (skipped[k] ?? 0) + 1;
    },
    read(m: JsMsg) {
      t.firstSeq ??= m.seq;
      t.lastSeq = m.seq;
      t.messages++;
    },
    report: (): ReplayReport => ({ consumer, ...t, skipped, elapsedMs: Math.round(performance.now() - t0) }),
  };
}

export interface Range {
  endSeq: number;
  toTime: number | undefined;
}
export type Tally = ReturnType<typeof createTally>;

/** Writes a batch, retrying with jittered backoff; a message whose rows ClickHouse refuses is skipped. */
async function writeBatch<R>(
  opts: ReplayOptions<R>,
  tally: Tally,
  batch: MessageRows<R>[],
  committed: number | null,
): Promise<void> {
  const attempts = opts.writeAttempts ?? 5;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  for (let attempt = 1; ; attempt++) {
    try {
      for (const r of await opts.handler.write(batch)) tally.skip(r.reason);
      return;
    } catch (err: unknown) {
      if (attempt >= attempts) {
        const resume =
          committed === null
            ? "the replay stored nothing yet"
            : `everything up to sequence ${committed} is stored: resume with --from ${committed + 1}`;
        const rows = batch.reduce((n, g) => n + g.rows.length, 0);
        throw new ReplayError(
          `writing ${rows} rows failed ${attempts} times (${err instanceof Error ? err.message : String(err)}); ${resume}`,
          { cause: err },
        );
      }
      await sleep(jitteredBackoffMs(attempt));
    }
  }
}

/**
 * Rebuilds a consumer's ClickHouse rows from the JetStream stream: reads the range with an
 * ordered (ephemeral, unacknowledged) consumer filtered like the durable one, runs the same
 * prepare path (`prepareMessage`) and `write` as the consume loop, in batches, and leaves the
 * durable consumer alone. Idempotent: every table is keyed by the event id and every aggregate
 * is duplicate-safe, so replaying over live data changes no number. Rows of a batch are written
 * before the next batch is read.
 *
 * @example
 * const report = await replay(nc, { stream: "PLAYPULSE", filter: "user.>", handler: createTableConsumer(analytics, { store }), from: { seq: 1 }, batchSize: 5000 });
 */
export async function replay<R>(nc: NatsConnection, opts: ReplayOptions<R>): Promise<ReplayReport> {
  const tally = createTally(opts.handler.name);
  const range = await rangeEnd(nc, opts);
  if (!range) return tally.report();
  const consumer = await openRange(nc, opts);
  let committed: number | null = null;
  try {
    const reader = createRangeReader(consumer, opts, tally, range, (await consumer.info(true)).num_pending);
    let idle = 0;
    let stop = false;
    while (reader.more() && !stop) {
      const read = await reader.next();
      stop = read.stop;
      if (read.batch.length > 0) await writeBatch(opts, tally, read.batch, committed);
      tally.t.rows += read.batch.reduce((n, g) => n + g.rows.length, 0);
      const { firstSeq, lastSeq } = tally.t;
      committed = lastSeq;
      if (lastSeq !== null && firstSeq !== null)
        opts.onProgress?.(tally.t.messages, (lastSeq - firstSeq + 1) / (range.endSeq - firstSeq + 1));
      idle = read.got === 0 ? idle + 1 : 0;
      if (idle >= 3) reader.pending = (await consumer.info(false)).num_pending;
      if (idle >= 6)
        throw new ReplayError(
          `the stream stopped delivering with ${reader.pending} messages pending; resume with --from ${(committed ?? 0) + 1}`,
        );
    }
  } finally {
    await consumer.delete().catch(() => false);
  }
  return tally.report();
}
