import { dlqStreamName, provisionBus, jitteredBackoffMs, type BusConnection } from "../bus/index.ts";
import type { Config } from "../config.ts";
import { provisionQuarantine } from "../consumers/quarantine/index.ts";
import { CONSUMERS } from "../consumers/registry.ts";
import { subjectNames } from "../events/index.ts";
import { ensureCcvTables, migrate, type Store } from "../store/index.ts";
import type { Logger } from "../telemetry/logger.ts";

/**
 * Creates the streams, the registry's durable consumers, the quarantine stream and the tables.
 * Idempotent; `serve` runs it at start and `playpulse migrate` on its own.
 *
 * @example
 * await provisionAll(config, { bus, store, logger });
 */
export async function provisionAll(
  config: Config,
  deps: { bus?: BusConnection | undefined; store?: Store | undefined; logger: Logger },
): Promise<void> {
  const subjects = subjectNames(config.stream.subjectPrefix);
  if (deps.bus) {
    await provisionBus(deps.bus.nc, subjects, config.stream, {
      ackWaitMs: config.consumers.ackWaitMs,
      maxAckPending: config.consumers.maxAckPending,
      durables: CONSUMERS,
    });
    await provisionQuarantine(deps.bus.nc, {
      name: config.stream.name,
      prefix: subjects.prefix,
      maxBytes: config.quarantine.maxBytes,
      maxAgeMs: config.quarantine.maxAgeMs,
      replicas: config.stream.replicas,
      ackWaitMs: config.consumers.ackWaitMs,
    });
    deps.logger.info({ stream: config.stream.name, dlq: dlqStreamName(config.stream.name) }, "jetstream provisioned");
  }
  if (deps.store) {
    const applied = await migrate(deps.store);
    await ensureCcvTables(deps.store, config.ccv.windowSeconds);
    deps.logger.info({ database: config.clickhouse.database, applied }, "clickhouse migrated");
  }
}

/**
 * `provisionAll` until it succeeds: a role may start before its servers (Kubernetes starts
 * everything at once). Waits with full jitter between tries, so restarted pods spread out.
 */
export async function provisionUntilDone(
  config: Config,
  deps: { bus?: BusConnection | undefined; store?: Store | undefined; logger: Logger },
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await provisionAll(config, deps);
    } catch (err: unknown) {
      const delay = jitteredBackoffMs(attempt, 500, 10_000);
      deps.logger.warn(
        { err, attempt, retryInMs: delay },
        "provisioning failed (is ClickHouse/NATS reachable?); retrying",
      );
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}
