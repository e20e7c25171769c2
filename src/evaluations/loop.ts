import { ok, type ConsumerHandler } from "../bus/index.ts";
import type { Logger } from "../telemetry/logger.ts";

/** What the evaluator runs: a restore once, then evaluations; `busy()` keeps it evaluating without new events. */
export interface Evaluator {
  restore(): Promise<void>;
  evaluate(now: number): Promise<void>;
  busy(): boolean;
}

/**
 * How long after events arrive the evaluator keeps evaluating: this durable sees an event as soon
 * as JetStream stores it, the analytics consumer stores it in ClickHouse a batch later, so the
 * last events of a burst may be missing from the evaluation they triggered. Evaluating for this
 * long after the last one makes sure they are judged even when no more traffic comes.
 */
export const SETTLE_MS = 10_000;

/** What the durable tells the evaluator: events arrived (`dirty`), and until when to keep evaluating. */
export interface Marks {
  dirty: boolean;
  settleUntil?: number;
}

/**
 * The durable's handler: it stores nothing, it marks that events arrived (the consume loop acks
 * them once `write` returns). The evaluator reads the marks.
 *
 * @example
 * const marks = { dirty: true };
 * startConsumeLoop({ handler: markingHandler("evaluations", marks), ... });
 */
export function markingHandler(
  name: string,
  marks: Marks,
  now: () => number = Date.now,
): ConsumerHandler<{ seq: number }> {
  return {
    name,
    prepare: (msg) => ok([{ seq: msg.streamSeq }]),
    write(batch) {
      if (batch.length > 0) {
        marks.dirty = true;
        marks.settleUntil = now() + SETTLE_MS;
      }
      return Promise.resolve([]);
    },
  };
}

/**
 * Restores (retrying with a growing pause until it succeeds), then evaluates at most every
 * `intervalMs`: when events arrived since the last evaluation (`marks.dirty`, set at start too), for
 * SETTLE_MS after the last ones arrived (until the analytics consumer has stored them), or
 * while the evaluator is `busy` (an alert is firing: it must resolve when traffic stops). A failed
 * evaluation is logged and tried again at the next tick. `stop()` ends the loop after the
 * evaluation in hand.
 *
 * @example
 * const loop = startEvaluationLoop({ evaluator, marks, intervalMs: 10_000, logger });
 * await loop.stop();
 */
export function startEvaluationLoop(opts: {
  evaluator: Evaluator;
  marks: Marks;
  intervalMs: number;
  logger: Logger;
  now?: () => number;
}) {
  const now = opts.now ?? Date.now;
  let stopping = false;
  let wake: (() => void) | undefined;
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      if (stopping) return resolve();
      const t = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(t);
        resolve();
      };
    });

  async function run(): Promise<{ clean: boolean }> {
    for (let attempt = 1; !stopping; attempt++) {
      try {
        await opts.evaluator.restore();
        break;
      } catch (err: unknown) {
        opts.logger.warn({ err, attempt }, "evaluations: cannot read back the announced events yet; retrying");
        await pause(Math.min(10_000, 250 * 2 ** attempt));
      }
    }
    while (!stopping) {
      const settling = now() < (opts.marks.settleUntil ?? 0);
      if (opts.marks.dirty || settling || opts.evaluator.busy()) {
        opts.marks.dirty = false;
        try {
          await opts.evaluator.evaluate(now());
        } catch (err: unknown) {
          opts.marks.dirty = true;
          opts.logger.warn({ err }, "evaluations: evaluation failed; trying again at the next tick");
        }
      }
      await pause(opts.intervalMs);
    }
    return { clean: true };
  }

  const done = run();
  return {
    done,
    stop() {
      stopping = true;
      wake?.();
      return done;
    },
  };
}
