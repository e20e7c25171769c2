import { jetstream, type JsMsg } from "@nats-io/jetstream";
import { headers as natsHeaders } from "@nats-io/transport-node";
import type { Tracer } from "@opentelemetry/api";
import type { Logger } from "../telemetry/logger.ts";
import { traceBatch } from "../telemetry/messaging.ts";
import type { BusConnection } from "./connect.ts";
import { createBatcher } from "./batcher.ts";
import { jitteredBackoffMs, type ConsumerHandler, type InboundMessage, type Outcome } from "./outcomes.ts";

export interface ConsumeLoopOptions<R> {
  bus: BusConnection;
  stream: string;
  handler: ConsumerHandler<R>;
  logger: Logger;
  batchSize: number;
  flushIntervalMs: number;
  /** Subject of the dead letter for a message of `subject`. */
  dlqSubject: (subject: string) => string;
  /** Attempts after which a message whose handler keeps asking to retry is dead-lettered. */
  maxDeliver: number;
  onBatch?: (stats: BatchStats) => void;
  /** Traces each message (CONSUMER span, child of the publish) and the batch insert (links); off when undefined. */
  tracer?: Tracer | undefined;
  /**
   * Test-only fault hook, 0 (off) in production: logs "fault hook" at each phase of a batch
   * (writing, stored, acked) and holds the acks this long after a stored write, so fault
   * tests can kill a consumer between the insert and the ack (docs/reliability.md).
   */
  faultDelayAfterWriteMs?: number;
}

export interface BatchStats {
  consumer: string;
  messages: number;
  rows: number;
  acked: number;
  retried: number;
  deadLettered: number;
  redelivered: number;
  writeMs: number;
  writeFailed: boolean;
  /** Set when `onBatch` is given: per stored message, seconds from JetStream storing it to its rows being stored. */
  freshnessSeconds?: number[];
}

export interface ConsumeLoop {
  /** Resolves when the loop has stopped. `clean` is false when the last batch could not be stored. */
  done: Promise<{ clean: boolean }>;
  /** Stops fetching, finishes (writes and acks) the batch in hand, then resolves `done`. */
  stop(): Promise<{ clean: boolean }>;
  processed(): number;
}

function toInbound(m: JsMsg): InboundMessage {
  return {
    subject: m.subject,
    data: m.data,
    header: (name) => m.headers?.get(name) || undefined,
    streamSeq: m.seq,
    deliveryCount: m.info.deliveryCount,
  };
}

function safePrepare<R>(handler: ConsumerHandler<R>, msg: InboundMessage): Outcome<R> {
  try {
    return handler.prepare(msg);
  } catch (err: unknown) {
    return { kind: "dead-letter", reason: `handler threw: ${err instanceof Error ? err.message : String(err)}` };
  }
}

/**
 * The one consume loop. Messages stream in over one pull subscription; a batch closes at
 * `batchSize` messages or when its oldest has waited `flushIntervalMs`. The loop asks the
 * handler for each message's outcome, writes the rows of the batch in one call, and only then
 * acks; the next batch fills while one is written. A failed write naks the batch and everything
 * else in hand with backoff (the messages stay in JetStream); dead letters are published to the
 * DLQ stream before the original is acked, so nothing is dropped on the floor.
 */
export function startConsumeLoop<R>(opts: ConsumeLoopOptions<R>): ConsumeLoop {
  const { bus, handler, logger } = opts;
  const js = jetstream(bus.nc);
  let stopping = false;
  let processed = 0;
  let wake: (() => void) | undefined;
  let failures = 0;
  let stopMessages: (() => Promise<void | Error>) | undefined;
  const faultDelay = opts.faultDelayAfterWriteMs ?? 0;
  const faultHook = (phase: string, rows: number) => {
    if (faultDelay > 0) logger.info({ consumer: handler.name, phase, rows }, "fault hook");
  };

  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      if (stopping) return resolve(); // stop() may have come while no pause was pending to wake
      const t = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(t);
        resolve();
      };
    });

  // Messages in hand that no batch has taken yet.
  const batcher = createBatcher<JsMsg>({ maxItems: opts.batchSize, maxWaitMs: opts.flushIntervalMs });
  /** A write failed: hand back what waits in the buffer too, so none of it outlives ack_wait in here. */
  function releaseBuffer(delayMs: number): void {
    for (const m of batcher.takeAll()) m.nak(delayMs);
  }

  async function deadLetterMsg(m: JsMsg, reason: string): Promise<boolean> {
    const h = natsHeaders();
    if (m.headers) for (const [k, vs] of m.headers) for (const v of vs) if (k !== "Nats-Msg-Id") h.append(k, v);
    h.set("Playpulse-Dlq-Consumer", handler.name);
    h.set("Playpulse-Dlq-Error", reason.slice(0, 1000).replace(/[\r\n]+/g, " "));
    h.set("Playpulse-Dlq-Attempts", String(m.info.deliveryCount));
    h.set("Playpulse-Dlq-Subject", m.subject);
    h.set("Playpulse-Dlq-Stream-Seq", String(m.seq));
    h.set("Playpulse-Dlq-Time", new Date().toISOString());
    const originalId = m.headers?.get("Nats-Msg-Id");
    if (originalId) h.set("Playpulse-Dlq-Msg-Id", originalId);
    try {
      await js.publish(opts.dlqSubject(m.subject), m.data, { headers: h, msgID: `${handler.name}:${m.seq}` });
      return true;
    } catch (err: unknown) {
      logger.error({ err, subject: m.subject }, "dead-letter publish failed; message will be redelivered");
      return false;
    }
  }

  /** Returns false when the batch's rows could not be stored. */
  async function processBatch(batch: JsMsg[]): Promise<boolean> {
    const rows: R[] = [];
    const okMsgs: JsMsg[] = [];
    const stats: BatchStats = {
      consumer: handler.name,
      messages: batch.length,
      rows: 0,
      acked: 0,
      retried: 0,
      deadLettered: 0,
      redelivered: 0,
      writeMs: 0,
      writeFailed: false,
    };
    const dead: { m: JsMsg; reason: string }[] = [];
    const bt = opts.tracer ? traceBatch<JsMsg>(opts.tracer, handler.name) : undefined;
    for (const m of batch) {
      if (m.info.deliveryCount > 1) stats.redelivered++;
      bt?.start(m);
      const outcome = safePrepare(handler, toInbound(m));
      if (outcome.kind === "ok") {
        for (const r of outcome.rows) rows.push(r);
        okMsgs.push(m);
      } else if (outcome.kind === "retry" && m.info.deliveryCount < opts.maxDeliver) {
        m.nak(Math.round(Math.random() * outcome.delayMs));
        stats.retried++;
        bt?.settle(m, "retried");
      } else {
        const reason =
          outcome.kind === "retry"
            ? `gave up after ${m.info.deliveryCount} attempts: ${outcome.reason}`
            : outcome.reason;
        dead.push({ m, reason });
      }
    }

    let stored = true;
    let delay = 0;
    if (rows.length > 0) {
      const t0 = performance.now();
      try {
        faultHook("writing", rows.length);
        await (bt ? bt.write(okMsgs, () => handler.write(rows)) : handler.write(rows));
        failures = 0;
        faultHook("stored", rows.length);
        if (faultDelay > 0) await pause(faultDelay);
      } catch (err: unknown) {
        stored = false;
        failures++;
        delay = jitteredBackoffMs(failures);
        logger.warn(
          { err, consumer: handler.name, rows: rows.length, retryInMs: delay },
          "batch write failed; backlog stays in JetStream",
        );
        for (const m of okMsgs) m.nak(delay);
        releaseBuffer(delay);
        if (bt) for (const m of okMsgs) bt.settle(m, "retried", "batch write failed");
        stats.retried += okMsgs.length;
        stats.writeFailed = true;
      }
      stats.writeMs = performance.now() - t0;
      stats.rows = rows.length;
    }
    if (stored) {
      for (const m of okMsgs) m.ack();
      if (bt) for (const m of okMsgs) bt.settle(m, "acked");
      stats.acked += okMsgs.length;
      if (opts.onBatch) {
        const now = Date.now();
        stats.freshnessSeconds = okMsgs.map((m) => (now - m.info.timestampNanos / 1e6) / 1000);
      }
    }
    for (const { m, reason } of dead) {
      if (await deadLetterMsg(m, reason)) {
        m.ack();
        stats.deadLettered++;
        const warn = () =>
          logger.warn({ consumer: handler.name, subject: m.subject, seq: m.seq, reason }, "message dead-lettered");
        if (bt) bt.within(m, warn);
        else warn();
        bt?.settle(m, "dead_lettered", reason);
      } else {
        m.nak(jitteredBackoffMs(m.info.deliveryCount));
        bt?.settle(m, "retried", "dead-letter publish failed");
      }
    }
    await bus.nc.flush().catch(() => undefined);
    if (stored && rows.length > 0) faultHook("acked", rows.length);
    processed += batch.length;
    opts.onBatch?.(stats);
    if (!stored) await pause(delay);
    return stored;
  }

  /**
   * One long-lived pull subscription (`consume`), not a fetch per batch: nats.js drops the
   * messages that reach a fetch it has already given up on (missed heartbeats while the event
   * loop was busy), and those then wait out ack_wait on the server. It also lets a batch close
   * on a timer shorter than the 1 s minimum of a fetch's expiry, which sets freshness.
   */
  async function run(): Promise<{ clean: boolean }> {
    const consumer = await js.consumers.get(opts.stream, handler.name);
    let clean = true;
    while (!stopping) {
      let ended = false;
      let messages: Awaited<ReturnType<typeof consumer.consume>>;
      try {
        messages = await consumer.consume({
          // Room for the batch being written and the next one; max_ack_pending bounds it on the server.
          max_messages: Math.max(100, opts.batchSize * 2),
          expires: 30_000,
          callback: (m) => batcher.push(m),
        });
      } catch (err: unknown) {
        logger.warn({ err, consumer: handler.name }, "consume failed; retrying");
        await pause(1000);
        continue;
      }
      stopMessages = () => messages.close();
      if (stopping) await stopMessages(); // stop() came while subscribing
      void watchStatus(messages);
      const onEnded = (err: unknown) => {
        ended = true;
        if (err && !stopping) logger.warn({ err, consumer: handler.name }, "subscription ended; resubscribing");
        batcher.wake();
      };
      messages.closed().then(onEnded, onEnded);
      for (;;) {
        const batch = await batcher.next(() => stopping || ended);
        if (batch.length === 0) break;
        clean = await processBatch(batch);
      }
      stopMessages = undefined;
      if (!stopping) await pause(1000);
    }
    return { clean };
  }

  async function watchStatus(messages: { status(): AsyncIterable<{ type: string }> }): Promise<void> {
    try {
      for await (const s of messages.status()) {
        if (
          s.type === "consumer_deleted" ||
          s.type === "consumer_not_found" ||
          s.type === "stream_not_found" ||
          s.type === "heartbeats_missed"
        ) {
          logger.warn({ consumer: handler.name, status: s }, "consumer status");
        }
      }
    } catch {
      // the iterator ends with the subscription
    }
  }

  const done = run();
  return {
    done,
    async stop() {
      stopping = true;
      wake?.();
      // Unsubscribe; the batcher then writes and acks what is in hand and the loop ends.
      await stopMessages?.().catch(() => undefined);
      batcher.wake();
      return done;
    },
    processed: () => processed,
  };
}
