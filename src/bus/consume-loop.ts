import { jetstream, type Consumer, type ConsumerMessages, type JsMsg } from "@nats-io/jetstream";
import type { Tracer } from "@opentelemetry/api";
import type { Logger } from "../telemetry/logger.ts";
import { createBatchProcessor, type BatchResult, type BatchStats } from "./batch.ts";
import { createBatcher, type Batcher } from "./batcher.ts";
import type { BusConnection } from "./connect.ts";
import { createDeadLetterPublisher } from "./dead-letters.ts";
import type { ConsumerHandler } from "./outcomes.ts";
import { packWeight } from "./pack-weight.ts";
import { HOLD_BATCHES, pump } from "./pump.ts";

export type { BatchStats } from "./batch.ts";

export interface ConsumeLoopOptions<R> {
  bus: BusConnection;
  stream: string;
  handler: ConsumerHandler<R>;
  /** The loop logs through `logger.child({ consumer: handler.name })`: pass a logger without `consumer`. */
  logger: Logger;
  /** The most events per batch (PLAYPULSE_BATCH_SIZE): a packed message counts as its events (`packWeight`). */
  batchSize: number;
  flushIntervalMs: number;
  /**
   * Batches written at once (PLAYPULSE_WRITES_IN_FLIGHT, default 1 here): with 2, the next batch's
   * insert starts while one is in flight, so the rate is not capped at batch size ÷ insert latency.
   * Each batch is acked after its own insert; a batch with a subject of `handler.alone` is written alone.
   */
  writesInFlight?: number;
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

export interface ConsumeLoop {
  /** Resolves when the loop has stopped. `clean` is false when the last batch could not be stored. */
  done: Promise<{ clean: boolean }>;
  /** Stops fetching, finishes (writes and acks) the batch in hand, then resolves `done`. */
  stop(): Promise<{ clean: boolean }>;
  processed(): number;
}

/** Whether a batch holds a subject its handler writes alone (`ConsumerHandler.alone`). */
function aloneOf(handler: ConsumerHandler<unknown>): (batch: readonly JsMsg[]) => boolean {
  const alone = handler.alone?.bind(handler);
  return alone ? (batch) => batch.some((m) => alone(m.subject)) : () => false;
}

/** Waits that `stop()` cuts short (the loop's backoff and, with writes in flight, each batch's). */
function createPauser(stopping: () => boolean) {
  const wakers = new Set<() => void>();
  return {
    pause: (ms: number) =>
      new Promise<void>((resolve) => {
        if (stopping()) return resolve(); // stop() may have come while no pause was pending to wake
        const wake = () => {
          clearTimeout(t);
          wakers.delete(wake);
          resolve();
        };
        const t = setTimeout(wake, ms);
        wakers.add(wake);
      }),
    wake: () => [...wakers].forEach((w) => w()),
  };
}

/** Logs the subscription's status changes that an operator needs to see; ends with the subscription. */
async function watchStatus(messages: ConsumerMessages, logger: Logger): Promise<void> {
  const worth = new Set(["consumer_deleted", "consumer_not_found", "stream_not_found", "heartbeats_missed"]);
  try {
    for await (const s of messages.status()) if (worth.has(s.type)) logger.warn({ status: s }, "consumer status");
  } catch {
    // the iterator ends with the subscription
  }
}

/** What the loop's steps share: whether it is stopping, what it has processed, and its parts. */
interface Loop {
  stopping: boolean;
  processed: number;
  logger: Logger;
  batcher: Batcher<JsMsg>;
  pauser: ReturnType<typeof createPauser>;
  processBatch: (batch: JsMsg[]) => Promise<BatchResult>;
  writesInFlight: number;
  /** The events the batcher may hold before the loop stops reading its subscription (HOLD_BATCHES batches). */
  holdMax: number;
  alone: (batch: readonly JsMsg[]) => boolean;
}

/**
 * The messages one pull asks for: the most nats-server queues for this connection at once, and
 * the most that arrive after the loop stopped reading (`pump`). Packs (PLAYPULSE_PACK_EVENTS) are
 * up to 256 KiB each, so 128 of them stay within 32 MiB, under nats-server's per-connection
 * `max_pending` (64 MiB by default). A pull of 15,000 packs of 5.6 KiB passed it: the server cut the connection's
 * deliveries as a slow consumer and they came back only after the ack wait, so a packed backlog
 * drained at 3,088 events/s instead of 25,616 (docs/benchmarks.md, "A packed backlog").
 */
export const PULL_MAX_MESSAGES = 128;

/** Opens the subscription; undefined (after a pause) when the server refused it. */
async function subscribe(loop: Loop, consumer: Consumer): Promise<ConsumerMessages | undefined> {
  try {
    return await consumer.consume({ max_messages: PULL_MAX_MESSAGES, expires: 30_000 });
  } catch (err: unknown) {
    loop.logger.warn({ err }, "consume failed; retrying");
    await loop.pauser.pause(1000);
    return undefined;
  }
}

/**
 * The batches being written: at most `writesInFlight` at once. `clean` says whether the newest
 * batch that finished was stored; `retryInMs` is the wait a failed write asked for.
 */
function createWrites(loop: Loop) {
  const running = new Set<Promise<void>>();
  let started = 0;
  let newestDone = 0;
  let clean = true;
  let retryInMs = 0;
  let broken: { err: unknown } | undefined;
  return {
    start(batch: JsMsg[]): void {
      const n = ++started;
      const p = loop.processBatch(batch).then(
        (result) => {
          loop.processed += batch.length;
          if (n > newestDone) [newestDone, clean] = [n, result.stored];
          if (!result.stored) retryInMs = Math.max(retryInMs, result.retryInMs);
          running.delete(p);
        },
        (err: unknown) => {
          broken ??= { err }; // thrown by the next `below`, as an awaited batch would have thrown
          running.delete(p);
        },
      );
      running.add(p);
    },
    /** Resolves when fewer than `max` writes are in flight; throws what a batch threw. */
    async below(max: number): Promise<void> {
      while (running.size >= max) await Promise.race(running);
      if (broken) throw broken.err;
    },
    /** The wait a failed write asked for since the last call (0 when none failed). */
    takeRetry(): number {
      const ms = retryInMs;
      retryInMs = 0;
      return ms;
    },
    clean: () => clean,
  };
}

/** Processes batches until the subscription ends or the loop stops; false when the last write failed. */
async function drain(loop: Loop, messages: ConsumerMessages): Promise<boolean> {
  let ended = false;
  const onEnded = (err: unknown) => {
    ended = true;
    if (err && !loop.stopping) loop.logger.warn({ err }, "subscription ended; resubscribing");
    loop.batcher.wake();
  };
  pump(loop.batcher, messages, loop.holdMax, () => loop.stopping).then(
    () => messages.closed().then(onEnded, onEnded),
    (err: unknown) => onEnded(err),
  );
  const writes = createWrites(loop);
  for (;;) {
    await writes.below(loop.writesInFlight);
    const retryInMs = writes.takeRetry();
    if (retryInMs > 0) {
      // A write failed (its batch and what was in hand are naked): let the others finish, then back off.
      await writes.below(1);
      await loop.pauser.pause(retryInMs);
    }
    // Once stopping, the pump ends as soon as the subscription has closed and every message it got is in hand.
    const batch = await loop.batcher.next(() => ended);
    if (batch.length === 0) break;
    const alone = loop.alone(batch);
    if (alone) await writes.below(1);
    writes.start(batch);
    if (alone) await writes.below(1);
  }
  await writes.below(1);
  return writes.clean();
}

/**
 * The one consume loop. Messages stream in over one pull subscription; a batch closes at
 * `batchSize` events (a packed message weighs its events, `packWeight`; a batch never splits a
 * message, so one pack larger than `batchSize` is a batch alone) or when its oldest has waited
 * `flushIntervalMs`. Each batch goes through
 * `createBatchProcessor` (outcomes, one write, acks, dead letters); the next batch fills while
 * `writesInFlight` are written, each acked after its own insert, so the order in which two
 * batches land does not matter. A failed write naks the batch and everything else in hand with
 * jittered backoff (the messages stay in JetStream); the loop lets the other writes finish and
 * pauses as long.
 *
 * One long-lived subscription (`consume`), not a fetch per batch: nats.js drops the messages that
 * reach a fetch it has already given up on (missed heartbeats while the event loop was busy), and
 * those then wait out ack_wait on the server. It also lets a batch close on a timer shorter than
 * the 1 s minimum of a fetch's expiry, which sets freshness. The subscription is read as an
 * iterator (`pump`), so the loop can stop reading while it holds two batches of events.
 *
 * @example
 * const loop = startConsumeLoop({ bus, stream: "PLAYPULSE", handler, logger, batchSize: 5000, flushIntervalMs: 1000, maxDeliver: 20, dlqSubject });
 * await loop.stop();
 */
export function startConsumeLoop<R>(opts: ConsumeLoopOptions<R>): ConsumeLoop {
  const { bus, handler } = opts;
  const logger = opts.logger.child({ consumer: handler.name });
  const batcher = createBatcher<JsMsg>({
    maxItems: opts.batchSize,
    maxWaitMs: opts.flushIntervalMs,
    weight: packWeight,
  });
  const pauser = createPauser(() => loop.stopping);
  const loop: Loop = {
    stopping: false,
    processed: 0,
    logger,
    batcher,
    pauser,
    writesInFlight: Math.max(1, opts.writesInFlight ?? 1),
    holdMax: opts.batchSize * HOLD_BATCHES,
    alone: aloneOf(handler),
    processBatch: createBatchProcessor<R>({
      handler,
      logger,
      maxDeliver: opts.maxDeliver,
      deadLetter: createDeadLetterPublisher(bus.nc, handler.name, opts.dlqSubject),
      tracer: opts.tracer,
      releaseInHand: (delayMs) => batcher.takeAll().forEach((m) => m.nak(delayMs)),
      flush: () => bus.nc.flush().catch(() => undefined),
      faultDelayMs: opts.faultDelayAfterWriteMs ?? 0,
      pause: pauser.pause,
      onBatch: opts.onBatch,
    }),
  };
  let closeSubscription: (() => Promise<void | Error>) | undefined;

  async function run(): Promise<{ clean: boolean }> {
    const consumer = await jetstream(bus.nc).consumers.get(opts.stream, handler.name);
    let clean = true;
    while (!loop.stopping) {
      const messages = await subscribe(loop, consumer);
      if (!messages) continue;
      closeSubscription = () => messages.close();
      if (loop.stopping) await closeSubscription(); // stop() came while subscribing
      void watchStatus(messages, logger);
      clean = await drain(loop, messages);
      closeSubscription = undefined;
      if (!loop.stopping) await pauser.pause(1000);
    }
    return { clean };
  }

  const done = run();
  return {
    done,
    async stop() {
      loop.stopping = true;
      pauser.wake();
      // Unsubscribe; the batcher then writes and acks what is in hand and the loop ends.
      await closeSubscription?.().catch(() => undefined);
      batcher.wake();
      return done;
    },
    processed: () => loop.processed,
  };
}
