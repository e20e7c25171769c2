import { retentionRules, sweepRetention, type RetentionPolicy, type Store } from "../store/index.ts";
import type { Logger } from "../telemetry/logger.ts";

export interface RetentionSweeps {
  /** Waits for a sweep in progress and stops the timer; a step of the stop sequence. */
  stop(): Promise<{ clean: boolean }>;
}

/**
 * One retention sweep over every table (src/store/retention.ts), logged: what went, or why it
 * failed. Never throws: a failed sweep is tried again at the next period.
 *
 * @example
 * await sweepOnce(store, config.retention, logger);
 */
export async function sweepOnce(
  store: Store,
  policy: RetentionPolicy,
  logger: Logger,
  now: () => number = Date.now,
): Promise<void> {
  try {
    const results = await sweepRetention(store, retentionRules(policy), now());
    const removed = results.filter((r) => r.droppedPartitions.length > 0 || r.deleteSent);
    logger.info({ removed, retention_days: policy }, "retention sweep done");
  } catch (err: unknown) {
    logger.warn({ err }, "retention sweep failed; retried at the next period");
  }
}

/**
 * Runs `sweepOnce` every `everyMinutes` (PLAYPULSE_RETENTION_SWEEP_MINUTES; 0: never), the first
 * time one period after the start (start-up provisioning ran one already). The analytics role runs it.
 *
 * @example
 * const sweeps = startRetentionSweeps({ store, policy: config.retention, everyMinutes: 60, logger });
 */
export function startRetentionSweeps(opts: {
  store: Store;
  policy: RetentionPolicy;
  everyMinutes: number;
  logger: Logger;
}): RetentionSweeps {
  let running: Promise<void> | undefined;
  const timer =
    opts.everyMinutes > 0
      ? setInterval(() => {
          running ??= sweepOnce(opts.store, opts.policy, opts.logger).finally(() => (running = undefined));
        }, opts.everyMinutes * 60_000)
      : undefined;
  timer?.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
      return { clean: true };
    },
  };
}
