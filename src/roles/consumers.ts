import { startConsumeLoop, type BusConnection, type ConsumeLoop, type ConsumerHandler } from "../bus/index.ts";
import { createQuarantineConsumer } from "../consumers/quarantine/index.ts";
import type { AnyConsumerDefinition } from "../consumers/definition.ts";
import { CONSUMERS, type ConsumerName } from "../consumers/registry.ts";
import { createTableConsumer } from "../consumers/table-consumer.ts";
import { createDemotionHandler } from "../consumers/recommendations/index.ts";
import { createErasureRunner, createStreamEraser, erasureMetrics, type ErasureHooks } from "../erasure/index.ts";
import { analyticsStreamName, quarantineStreamName } from "../events/index.ts";
import { startRetentionSweeps } from "../privacy/index.ts";
import type { Store } from "../store/index.ts";
import type { RoleContext, StartedRole } from "./context.ts";

/**
 * Erasure in the consumers (docs/erasure.md): every consumer skips the events of erased users and
 * counts them; analytics, which alone receives `user.privacy.*` (its filter is `user.>`), runs the
 * erasure of every table and removes the user's messages from the stream, the skipped ones included.
 */
function erasureHooks(ctx: RoleContext, clients: { bus: BusConnection; store: Store }) {
  const metrics = erasureMetrics(ctx.metrics.registry);
  const stream = createStreamEraser(clients.bus.nc, ctx.config.stream.name);
  const runner = createErasureRunner({ store: clients.store, stream });
  return (consumer: string): ErasureHooks => {
    const analytics = consumer === "analytics";
    return {
      runner: analytics ? runner : undefined,
      async onSuppressed(msgs, erased, events) {
        metrics.suppressed(consumer, events);
        if (analytics)
          await stream.remove(
            msgs.map((m) => m.streamSeq),
            [...erased],
          );
      },
    };
  };
}

/**
 * The consumer roles of this process: one consume loop per named registry entry, plus the
 * quarantine consumer with the analytics role. Ready when NATS and ClickHouse answer; the stop
 * step flushes every loop's batch and acks it.
 *
 * @example
 * const consumers = startConsumers(ctx, { bus, store }, ["analytics"]);
 */
export function startConsumers(
  ctx: RoleContext,
  clients: { bus: BusConnection; store: Store },
  names: readonly ConsumerName[],
): StartedRole {
  const { config, subjects, logger } = ctx;
  const { bus, store } = clients;
  const start = (stream: string, handler: ConsumerHandler<object>, traced: boolean): ConsumeLoop => {
    const loop = startConsumeLoop({
      bus,
      stream,
      handler,
      logger,
      batchSize: config.consumers.batchSize,
      flushIntervalMs: config.consumers.flushIntervalMs,
      writesInFlight: config.consumers.writesInFlight,
      maxDeliver: config.consumers.maxDeliver,
      dlqSubject: (subject) => subjects.dlq(handler.name, subject),
      onBatch: (stats) => ctx.metrics.onBatch(stats),
      ...(traced ? { tracer: ctx.tracer, faultDelayAfterWriteMs: config.consumers.faultDelayAfterWriteMs } : {}),
    });
    loop.done.catch((err: unknown) => logger.error({ err, consumer: handler.name }, "consume loop stopped"));
    return loop;
  };
  const erasure = erasureHooks(ctx, clients);
  const entries: readonly AnyConsumerDefinition[] = CONSUMERS;
  const loops = entries
    .filter((c) => (names as readonly string[]).includes(c.name))
    .map((c) => start(config.stream.name, createTableConsumer(c, { store, erasure: erasure(c.name) }), true));
  // Rejected-at-the-edge records (PLAYPULSE_QUARANTINE) -> the quarantine table, run by the analytics role.
  if (names.includes("analytics")) {
    loops.push(start(quarantineStreamName(config.stream.name), createQuarantineConsumer({ store }), false));
  }
  // Alert events -> rec_demotions, run by the recommendations role (docs/alerts.md#demotion).
  if (names.includes("recommendations")) {
    loops.push(start(analyticsStreamName(config.stream.name), createDemotionHandler({ store }), false));
  }
  // Retention (docs/privacy.md#retention): the analytics role sweeps every PLAYPULSE_RETENTION_SWEEP_MINUTES.
  const sweeps = names.includes("analytics")
    ? [startRetentionSweeps({ store, policy: config.retention, everyMinutes: config.retention.sweepMinutes, logger })]
    : [];
  return {
    routes: [],
    readiness: { nats: () => Promise.resolve(bus.isConnected()), clickhouse: () => store.ping() },
    stop: { consumers: [...loops, ...sweeps] },
  };
}
