import { jetstream, type Consumer, type ConsumerMessages, type JsMsg } from "@nats-io/jetstream";
import type { Tracer } from "@opentelemetry/api";
import type { Logger } from "../telemetry/logger.ts";
import { createBatchProcessor, type BatchResult, type BatchStats } from "./batch.ts";
import { createBatcher, type Batcher } from "./batcher.ts";
import type { BusConnection } from "./connect.ts";
import { createDeadLetterPublisher } from "./dead-letters.ts";
import type { ConsumerHandler } from "./outcomes.ts";

export type { BatchStats } from "./batch.ts";

export interface ConsumeLoopOptions<R> {
  bus: BusConnection;
  stream: string;
  handler: ConsumerHandler<R>;
  /** The loop logs through `logger.child({ consumer: handler.name })`: pass a logger without `consumer`. */
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

export interface ConsumeLoop {
  /** Resolves when the loop has stopped. `clean` is false when the last batch could not be stored. */
  done: Promise<{ clean: boolean }>;
  /** Stops fetching, finishes (writes and acks) the batch in hand, then resolves `done`. */
  stop(): Promise<{ clean: boolean }>;
  processed(): number;
}

/** A wait that `stop()` cuts short. */
function createPauser(stopping: () => boolean) {
  let wake: (() => void) | undefined;
  return {
    pause: (ms: number) =>
      new Promise<void>((resolve) => {
        if (stopping()) return resolve(); // stop() may have come while no pause was pending to wake
        const t = setTimeout(resolve, ms);
        wake = () => {
          clearTimeout(t);
          resolve();
        };
      }),
    wake: () => wake?.(),
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
}

/** Opens the subscription; undefined (after a pause) when the server refused it. */
async function subscribe(loop: Loop, consumer: Consumer, batchSize: number): Promise<ConsumerMessages | undefined> {
  try {
    // Room for the batch being written and the next one; max_ack_pending bounds it on the server.
    const max_messages = Math.max(100, batchSize * 2);
    return await consumer.consume({ max_messages, expires: 30_000, callback: (m) => loop.batcher.push(m) });
  } catch (err: unknown) {
    loop.logger.warn({ err }, "consume failed; retrying");
    await loop.pauser.pause(1000);
    return undefined;
  }
}

/** Processes batches until the subscription ends or the loop stops; false when the last write failed. */
async function drain(loop: Loop, messages: ConsumerMessages): Promise<boolean> {
  let ended = false;
  const onEnded = (err: unknown) => {
    ended = true;
    if (err && !loop.stopping) loop.logger.warn({ err }, "subscription ended; resubscribing");
    loop.batcher.wake();
  };
  messages.closed().then(onEnded, onEnded);
  let clean = true;
  for (;;) {
    const batch = await loop.batcher.next(() => loop.stopping || ended);
    if (batch.length === 0) return clean;
    const result = await loop.processBatch(batch);
    loop.processed += batch.length;
    clean = result.stored;
    if (!result.stored) await loop.pauser.pause(result.retryInMs);
  }
}

/**
 * The one consume loop. Messages stream in over one pull subscription; a batch closes at
 * `batchSize` messages or when its oldest has waited `flushIntervalMs`. Each batch goes through
 * `createBatchProcessor` (outcomes, one write, acks, dead letters); the next batch fills while
 * one is written. A failed write naks the batch and everything else in hand with jittered
 * backoff (the messages stay in JetStream), and the loop pauses as long.
 *
 * One long-lived subscription (`consume`), not a fetch per batch: nats.js drops the messages that
 * reach a fetch it has already given up on (missed heartbeats while the event loop was busy), and
 * those then wait out ack_wait on the server. It also lets a batch close on a timer shorter than
 * the 1 s minimum of a fetch's expiry, which sets freshness.
 *
 * @example
 * const loop = startConsumeLoop({ bus, stream: "PLAYPULSE", handler, logger, batchSize: 5000, flushIntervalMs: 1000, maxDeliver: 20, dlqSubject });
 * await loop.stop();
 */
export function startConsumeLoop<R>(opts: ConsumeLoopOptions<R>): ConsumeLoop {
  const { bus, handler } = opts;
  const logger = opts.logger.child({ consumer: handler.name });
  const batcher = createBatcher<JsMsg>({ maxItems: opts.batchSize, maxWaitMs: opts.flushIntervalMs });
  const pauser = createPauser(() => loop.stopping);
  const loop: Loop = {
    stopping: false,
    processed: 0,
    logger,
    batcher,
    pauser,
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
      const messages = await subscribe(loop, consumer, opts.batchSize);
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
