import { jetstreamManager } from "@nats-io/jetstream";
import {
  dlqStreamName,
  provisionAnalyticsStream,
  provisionBus,
  jitteredBackoffMs,
  type BusConnection,
} from "../bus/index.ts";
import type { Config } from "../config.ts";
import { provisionQuarantine } from "../consumers/quarantine/index.ts";
import { provisionDemotions } from "../consumers/recommendations/index.ts";
import { CONSUMER_NAMES, CONSUMERS } from "../consumers/registry.ts";
import { analyticsStreamName, subjectNames } from "../events/index.ts";
import { provisionWebhooks } from "../webhooks/index.ts";
import { EVALUATIONS_DURABLE } from "./evaluations.ts";
import { ensureCcvTables, migrate, MIGRATIONS, sql, type Store } from "../store/index.ts";
import { sweepOnce } from "../privacy/index.ts";
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
      durables: [...CONSUMERS, EVALUATIONS_DURABLE],
    });
    await provisionQuarantine(deps.bus.nc, {
      name: config.stream.name,
      prefix: subjects.prefix,
      maxBytes: config.quarantine.maxBytes,
      maxAgeMs: config.quarantine.maxAgeMs,
      replicas: config.stream.replicas,
      ackWaitMs: config.consumers.ackWaitMs,
      region: config.stream.region,
      sourceRegions: config.stream.sourceRegions,
    });
    // The analytics events (docs/alerts.md) and one webhook durable per endpoint on them (docs/webhooks.md).
    await provisionAnalyticsStream(deps.bus.nc, {
      name: config.stream.name,
      prefix: subjects.prefix,
      replicas: config.stream.replicas,
    });
    const alertSource = {
      stream: analyticsStreamName(config.stream.name),
      filterSubject: `${subjects.prefix}analytics.alert.>`,
    };
    await provisionWebhooks(deps.bus.nc, alertSource, config.webhooks, config.consumers.ackWaitMs);
    await provisionDemotions(deps.bus.nc, { ...alertSource, ackWaitMs: config.consumers.ackWaitMs });
    deps.logger.info({ stream: config.stream.name, dlq: dlqStreamName(config.stream.name) }, "jetstream provisioned");
  }
  if (deps.store) {
    const applied = await migrate(deps.store);
    await ensureCcvTables(deps.store, config.ccv.windowSeconds);
    deps.logger.info({ database: config.clickhouse.database, applied }, "clickhouse migrated");
    // Retention (docs/privacy.md#retention): rows past PLAYPULSE_RETENTION_*_DAYS go at every start and migrate.
    await sweepOnce(deps.store, config.retention, deps.logger);
  }
}

/**
 * With `PLAYPULSE_PROVISION=false` a role creates nothing (its credentials may not allow it): it
 * checks that `playpulse migrate` has made what it uses. Throws until then.
 *
 * @example
 * await checkProvisioned(config, ["analytics"], { bus, store, logger });
 */
export async function checkProvisioned(
  config: Config,
  roles: readonly string[],
  deps: { bus?: BusConnection | undefined; store?: Store | undefined },
): Promise<void> {
  if (deps.bus) {
    const jsm = await jetstreamManager(deps.bus.nc, { timeout: 10_000, checkAPI: false });
    if (roles.includes("ingest")) await jsm.streams.info(config.stream.name);
    for (const c of CONSUMER_NAMES.filter((n) => roles.includes(n))) await jsm.consumers.info(config.stream.name, c);
    if (roles.includes("evaluations")) await jsm.consumers.info(config.stream.name, EVALUATIONS_DURABLE.name);
  }
  if (deps.store) {
    const latest = Math.max(...MIGRATIONS.map((m) => m.id));
    const [row] = await deps.store.select<{ id: number | string }>(
      sql`SELECT max(id) AS id FROM ${deps.store.db}.schema_migrations`,
    );
    if (Number(row?.id ?? 0) < latest) throw new Error(`ClickHouse is at migration ${row?.id ?? 0}, not ${latest} yet`);
  }
}

/**
 * `provisionAll` until it succeeds: a role may start before its servers (Kubernetes starts
 * everything at once). Waits with full jitter between tries, so restarted pods spread out.
 */
export async function provisionUntilDone(
  config: Config,
  deps: { bus?: BusConnection | undefined; store?: Store | undefined; logger: Logger; roles?: readonly string[] },
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      if (config.provision) return await provisionAll(config, deps);
      return await checkProvisioned(config, deps.roles ?? [], deps);
    } catch (err: unknown) {
      const delay = jitteredBackoffMs(attempt, 500, 10_000);
      deps.logger.warn(
        { err, attempt, retryInMs: delay },
        config.provision
          ? "provisioning failed (is ClickHouse/NATS reachable?); retrying"
          : "waiting for `playpulse migrate` (PLAYPULSE_PROVISION=false): streams, durables or tables are missing; retrying",
      );
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}
