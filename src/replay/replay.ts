import { DeliverPolicy, jetstream, jetstreamManager, type JsMsg } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { backoffMs, type ConsumerHandler, type InboundMessage, type Outcome } from "../bus/index.ts";
import type { PoisonSink } from "../dlq/index.ts";

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
  /** The subject filter of the consumer being replayed (SubjectNames.filters[consumer]). */
  filter: string;
  /** Builds the consumer's handler; rows it refuses go to the given sink and are reported as skipped. */
  handler: (poison: PoisonSink) => ConsumerHandler<R>;
  from: Position;
  /** Inclusive. Default: the last message stored when the replay starts. */
  to?: Position | undefined;
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

function toInbound(m: JsMsg): InboundMessage {
  return {
    subject: m.subject,
    data: m.data,
    header: (name) => m.headers?.get(name) || undefined,
    streamSeq: m.seq,
    deliveryCount: 1,
  };
}

function prepare<R>(handler: ConsumerHandler<R>, m: JsMsg): Outcome<R> {
  try {
    return handler.prepare(toInbound(m));
  } catch (err: unknown) {
    return { kind: "dead-letter", reason: `handler threw: ${err instanceof Error ? err.message : String(err)}` };
  }
}

/**
 * Rebuilds a consumer's ClickHouse rows from the JetStream stream: reads the range with an
 * ordered (ephemeral, unacknowledged) consumer filtered like the durable one, runs the same
 * `prepare` and `write` in batches, and leaves the durable consumer alone. Idempotent: every
 * table is keyed by the event id and every aggregate is duplicate-safe, so replaying over live
 * data changes no number. Rows of a batch are written before the next batch is read.
 *
 * @example
 * const report = await replay(nc, { stream: "PLAYPULSE", filter: "user.>", handler: (poison) => createTableConsumer(analytics, { store, poison }), from: { seq: 1 }, batchSize: 5000 });
 */
export async function replay<R>(nc: NatsConnection, opts: ReplayOptions<R>): Promise<ReplayReport> {
  const t0 = performance.now();
  const skipped: Record<string, number> = {};
  const skip = (reason: string) => {
    const k = reason.slice(0, 200);
    skipped[k] = (skipped[k] ?? 0) + 1;
  };
  const handler = opts.handler(async (_consumer, rows) => {
    for (const r of rows) skip(`poison row: ${r.error}`);
    return Promise.resolve();
  });
  const report = (messages: number, rows: number, firstSeq: number | null, lastSeq: number | null): ReplayReport => ({
    consumer: handler.name,
    messages,
    rows,
    skipped,
    firstSeq,
    lastSeq,
    elapsedMs: Math.round(performance.now() - t0),
  });

  const jsm = await jetstreamManager(nc);
  const info = await jsm.streams.info(opts.stream).catch((err: unknown) => {
    throw new ReplayError(`stream ${opts.stream} not found`, { cause: err });
  });
  const endSeq = Math.min(info.state.last_seq, opts.to && "seq" in opts.to ? opts.to.seq : Number.POSITIVE_INFINITY);
  const toTime = opts.to && "time" in opts.to ? opts.to.time.getTime() : undefined;
  if (info.state.messages === 0 || ("seq" in opts.from && opts.from.seq > endSeq)) return report(0, 0, null, null);

  const start =
    "seq" in opts.from
      ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: opts.from.seq }
      : { deliver_policy: DeliverPolicy.StartTime, opt_start_time: opts.from.time.toISOString() };
  const consumer = await jetstream(nc).consumers.get(opts.stream, { filter_subjects: opts.filter, ...start });
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const attempts = opts.writeAttempts ?? 5;
  let messages = 0;
  let rowCount = 0;
  let firstSeq: number | null = null;
  let lastSeq: number | null = null;
  let committed: number | null = null;

  async function write(rows: R[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await handler.write(rows);
        return;
      } catch (err: unknown) {
        if (attempt >= attempts) {
          const resume =
            committed === null
              ? "the replay stored nothing yet"
              : `everything up to sequence ${committed} is stored: resume with --from ${committed + 1}`;
          throw new ReplayError(
            `writing ${rows.length} rows failed ${attempts} times (${err instanceof Error ? err.message : String(err)}); ${resume}`,
            { cause: err },
          );
        }
        await sleep(backoffMs(attempt));
      }
    }
  }

  try {
    let pending = (await consumer.info(true)).num_pending;
    let idle = 0;
    let stop = false;
    while (pending > 0 && !stop) {
      const batch = await consumer.fetch({ max_messages: Math.min(opts.batchSize, pending), expires: 5000 });
      const rows: R[] = [];
      let got = 0;
      for await (const m of batch) {
        got++;
        pending = m.info.pending;
        if (m.seq > endSeq || (toTime !== undefined && m.time.getTime() > toTime)) {
          stop = true;
          break;
        }
        firstSeq ??= m.seq;
        lastSeq = m.seq;
        messages++;
        const outcome = prepare(handler, m);
        if (outcome.kind === "ok") for (const r of outcome.rows) rows.push(r);
        else skip(outcome.reason);
        if (m.seq >= endSeq) {
          stop = true;
          break;
        }
      }
      if (rows.length > 0) await write(rows);
      rowCount += rows.length;
      committed = lastSeq;
      if (lastSeq !== null && firstSeq !== null)
        opts.onProgress?.(messages, (lastSeq - firstSeq + 1) / (endSeq - firstSeq + 1));
      idle = got === 0 ? idle + 1 : 0;
      if (idle >= 3) pending = (await consumer.info(false)).num_pending;
      if (idle >= 6)
        throw new ReplayError(
          `the stream stopped delivering with ${pending} messages pending; resume with --from ${(committed ?? 0) + 1}`,
        );
    }
  } finally {
    await consumer.delete().catch(() => false);
  }
  return report(messages, rowCount, firstSeq, lastSeq);
}
