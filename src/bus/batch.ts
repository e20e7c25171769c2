import type { JsMsg } from "@nats-io/jetstream";
import type { Tracer } from "@opentelemetry/api";
import type { Logger } from "../telemetry/logger.ts";
import { traceBatch, type BatchTrace } from "../telemetry/messaging.ts";
import type { DeadLetterPublisher } from "./dead-letters.ts";
import { fullJitter, jitteredBackoffMs, type ConsumerHandler, type MessageRows } from "./outcomes.ts";
import { packWeight } from "./pack-weight.ts";
import { prepareMessage, toInbound } from "./prepare.ts";

export interface BatchStats {
  consumer: string;
  messages: number;
  /** The events the batch's messages carry: a packed message counts its events (`packWeight`). */
  events: number;
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

export interface BatchDeps<R> {
  handler: ConsumerHandler<R>;
  /** Already bound to the consumer (`logger.child({ consumer })`). */
  logger: Logger;
  maxDeliver: number;
  deadLetter: DeadLetterPublisher;
  tracer?: Tracer | undefined;
  /** A write failed: naks what waits in hand too, so none of it outlives ack_wait in the process. */
  releaseInHand(delayMs: number): void;
  /** Flushes the acks and naks to the server. */
  flush(): Promise<void>;
  /** The test-only fault hook (ConsumeLoopOptions.faultDelayAfterWriteMs); 0 = off. */
  faultDelayMs: number;
  pause(ms: number): Promise<void>;
  onBatch?: ((stats: BatchStats) => void) | undefined;
}

/** A message with its rows: the pairing stays in the data from prepare to ack. */
interface Prepared<R> extends MessageRows<R> {
  m: JsMsg;
}
interface Dead {
  m: JsMsg;
  reason: string;
}

/** After a batch: whether its rows were stored, and how long the loop should wait when not. */
export interface BatchResult {
  stored: boolean;
  retryInMs: number;
}

const newStats = (consumer: string, batch: readonly JsMsg[]): BatchStats => ({
  consumer,
  messages: batch.length,
  events: batch.reduce((n, m) => n + packWeight(m), 0),
  rows: 0,
  acked: 0,
  retried: 0,
  deadLettered: 0,
  redelivered: batch.filter((m) => m.info.deliveryCount > 1).length,
  writeMs: 0,
  writeFailed: false,
});

/** One batch in progress: the processor's deps, the batch's stats and its trace. */
interface Run<R> {
  deps: BatchDeps<R>;
  stats: BatchStats;
  bt: BatchTrace<JsMsg> | undefined;
  faultHook(phase: string, rows: number): void;
}

/** Sorts the handler's outcomes: rows to write, retries naked now (jittered), dead letters. */
function sortOutcomes<R>(run: Run<R>, batch: readonly JsMsg[]): { toWrite: Prepared<R>[]; dead: Dead[] } {
  const { deps, stats, bt } = run;
  const toWrite: Prepared<R>[] = [];
  const dead: Dead[] = [];
  for (const m of batch) {
    bt?.start(m);
    const msg = toInbound(m);
    const outcome = prepareMessage(deps.handler, msg);
    if (outcome.kind === "ok") toWrite.push({ m, msg, rows: outcome.rows });
    else if (outcome.kind === "retry" && m.info.deliveryCount < deps.maxDeliver) {
      // The handler's delay is the ceiling; full jitter spreads the redeliveries.
      m.nak(fullJitter(outcome.delayMs));
      stats.retried++;
      bt?.settle(m, "retried");
    } else {
      const gaveUp = outcome.kind === "retry" ? `gave up after ${m.info.deliveryCount} attempts: ` : "";
      dead.push({ m, reason: `${gaveUp}${outcome.reason}` });
    }
  }
  return { toWrite, dead };
}

/** Writes the rows in one call. Resolves with the messages the store refused; throws when nothing was stored. */
async function writeRows<R>(run: Run<R>, toWrite: Prepared<R>[], rows: number): Promise<Dead[]> {
  const { deps, stats, bt } = run;
  const t0 = performance.now();
  stats.rows = rows;
  try {
    run.faultHook("writing", rows);
    const write = () => deps.handler.write(toWrite);
    const refused = await (bt
      ? bt.write(
          toWrite.map((p) => p.m),
          write,
        )
      : write());
    run.faultHook("stored", rows);
    if (deps.faultDelayMs > 0) await deps.pause(deps.faultDelayMs);
    return refused.map((r) => ({ m: r.item.m, reason: r.reason }));
  } finally {
    stats.writeMs = performance.now() - t0;
  }
}

/** A write failed: naks the batch and everything in hand with `delayMs`; the backlog stays in JetStream. */
function retryLater<R>(run: Run<R>, toWrite: Prepared<R>[], delayMs: number, err: unknown): void {
  const { deps, stats, bt } = run;
  deps.logger.warn({ err, rows: stats.rows, retryInMs: delayMs }, "batch write failed; backlog stays in JetStream");
  for (const p of toWrite) p.m.nak(delayMs);
  deps.releaseInHand(delayMs);
  if (bt) for (const p of toWrite) bt.settle(p.m, "retried", "batch write failed");
  stats.retried += toWrite.length;
  stats.writeFailed = true;
}

function ackStored<R>(run: Run<R>, stored: readonly JsMsg[]): void {
  const { deps, stats, bt } = run;
  for (const m of stored) m.ack();
  if (bt) for (const m of stored) bt.settle(m, "acked");
  stats.acked += stored.length;
  if (deps.onBatch) {
    const now = Date.now();
    stats.freshnessSeconds = stored.map((m) => (now - m.info.timestampNanos / 1e6) / 1000);
  }
}

/** Publishes each dead letter, then acks its original; a failed publish naks the original instead. */
async function deadLetterAll<R>(run: Run<R>, dead: readonly Dead[]): Promise<void> {
  const { deps, stats, bt } = run;
  for (const { m, reason } of dead) {
    const { subject, data, headers, seq } = m;
    try {
      await deps.deadLetter({ subject, data, headers, seq, deliveryCount: m.info.deliveryCount }, reason);
    } catch (err: unknown) {
      deps.logger.error({ err, subject }, "dead-letter publish failed; message will be redelivered");
      m.nak(jitteredBackoffMs(m.info.deliveryCount));
      bt?.settle(m, "retried", "dead-letter publish failed");
      continue;
    }
    m.ack();
    stats.deadLettered++;
    const warn = () => deps.logger.warn({ subject, seq, reason }, "message dead-lettered");
    if (bt) bt.within(m, warn);
    else warn();
    bt?.settle(m, "dead_lettered", reason);
  }
}

/**
 * One batch, in named steps: sort the handler's outcomes, write the rows in one call, ack what
 * was stored, dead-letter what the handler rejected or the store refused, flush, report. Acks
 * come only after the write; dead letters are acked only after JetStream stored them. A failed
 * write naks the batch (and what waits in hand) with jittered backoff that grows with each
 * failure in a row.
 *
 * @example
 * const processBatch = createBatchProcessor({ handler, logger, maxDeliver: 20, deadLetter, releaseInHand, flush, faultDelayMs: 0, pause });
 * const { stored, retryInMs } = await processBatch(batch);
 */
export function createBatchProcessor<R>(deps: BatchDeps<R>): (batch: JsMsg[]) => Promise<BatchResult> {
  let failures = 0;
  const faultHook = (phase: string, rows: number) => {
    if (deps.faultDelayMs > 0) deps.logger.info({ phase, rows }, "fault hook");
  };
  return async function processBatch(batch) {
    const stats = newStats(deps.handler.name, batch);
    const bt = deps.tracer ? traceBatch<JsMsg>(deps.tracer, deps.handler.name) : undefined;
    const run: Run<R> = { deps, stats, bt, faultHook };
    const { toWrite, dead } = sortOutcomes(run, batch);
    const rows = toWrite.reduce((n, p) => n + p.rows.length, 0);
    let refused: Dead[] = [];
    let retryInMs = 0;
    // A message may have no rows and still need `write` (an erasure request: src/erasure).
    if (toWrite.length > 0) {
      try {
        refused = await writeRows(run, toWrite, rows);
        failures = 0;
      } catch (err: unknown) {
        retryInMs = jitteredBackoffMs(++failures);
        retryLater(run, toWrite, retryInMs, err);
      }
    }
    const stored = !stats.writeFailed;
    if (stored) {
      const poison = new Set(refused.map((r) => r.m));
      ackStored(
        run,
        toWrite.map((p) => p.m).filter((m) => !poison.has(m)),
      );
    }
    await deadLetterAll(run, [...dead, ...refused]);
    await deps.flush();
    if (stored && rows > 0) faultHook("acked", rows);
    deps.onBatch?.(stats);
    return { stored, retryInMs };
  };
}
