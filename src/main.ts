import type { Hono } from "hono";
import {
  backoffMs,
  connectBus,
  createPublisher,
  dlqStreamName,
  provisionBus,
  startConsumeLoop,
  type BusConnection,
  type ConsumeLoop,
  type ConsumerHandler,
} from "./bus/index.ts";
import { CONSUMER_ROLES, type Config, type ConsumerRole, type Role } from "./config.ts";
import { createAnalyticsConsumer } from "./consumers/analytics/index.ts";
import { createContentConsumer } from "./consumers/content/index.ts";
import { createRecommendationsConsumer } from "./consumers/recommendations/index.ts";
import { createQuarantineConsumer, createQuarantineSink, provisionQuarantine } from "./consumers/quarantine/index.ts";
import { createDeadLetterSink, type PoisonSink } from "./dlq/index.ts";
import { quarantineStreamName, subjectNames } from "./events/index.ts";
import { createHttpApp, type ReadinessProbe } from "./http/app.ts";
import { listenNode, type HttpServer } from "./http/node-server.ts";
import { createIngestRoutes } from "./ingest/index.ts";
import { createQueryRoutes } from "./query/index.ts";
import { runShutdown, stopSequence, type ShutdownReport, type ShutdownStep } from "./shutdown.ts";
import { createStore, ensureCcvTables, migrate, type Store } from "./store/index.ts";
import { createBacklogReader, lazyNatsConnection } from "./telemetry/backlog.ts";
import { httpTelemetry } from "./telemetry/http.ts";
import { ingestObserver } from "./telemetry/ingest.ts";
import type { Logger } from "./telemetry/logger.ts";
import { createMetrics } from "./telemetry/metrics.ts";
import { clientTraceHeaders } from "./telemetry/propagation.ts";
import { tracerFor } from "./telemetry/tracing.ts";

/** Opens the HTTP port for an app: `listenNode` (default), `listenBun` or `listenDeno`. */
export type Listen = (app: Hono, host: string, port: number) => Promise<HttpServer>;

export interface Running {
  /** The HTTP port actually bound (useful with port 0). */
  port: number;
  roles: readonly Role[];
  /** The ordered, graceful stop. `clean` is false when a final flush failed. */
  stop(): Promise<ShutdownReport>;
}

const needsBus = (roles: readonly Role[]) => roles.some((r) => r !== "query");
const needsStore = (roles: readonly Role[]) => roles.some((r) => r !== "ingest");

/** Creates the streams, consumers and tables. Idempotent; `serve` runs it at start. */
export async function provisionAll(
  config: Config,
  deps: { bus?: BusConnection; store?: Store; logger: Logger },
): Promise<void> {
  const subjects = subjectNames(config.stream.subjectPrefix);
  if (deps.bus) {
    await provisionBus(deps.bus.nc, subjects, config.stream, {
      ackWaitMs: config.consumers.ackWaitMs,
      maxAckPending: Math.max(1000, config.consumers.batchSize * 4),
    });
    await provisionQuarantine(deps.bus.nc, {
      name: config.stream.name,
      prefix: subjects.prefix,
      maxBytes: Math.max(1024 * 1024, Math.floor(config.stream.maxBytes / 8)),
      maxAgeMs: 7 * 24 * 3600_000,
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

/** `poison`: where rows ClickHouse refuses go (the dead-letter queue), so they never block a batch. */
function consumerHandler(role: ConsumerRole, store: Store, poison?: PoisonSink): ConsumerHandler<object> {
  const deps = { store, ...(poison ? { poison } : {}) };
  switch (role) {
    case "analytics":
      return createAnalyticsConsumer(deps);
    case "recommendations":
      return createRecommendationsConsumer(deps);
    case "content":
      return createContentConsumer(deps);
  }
}

/**
 * The composition root: builds clients from config, starts the asked-for roles in this
 * process, and returns the ordered stop.
 *
 * @example
 * const running = await startRoles(loadConfig(undefined, ["ingest"]), ["ingest"], logger);
 * process.once("SIGTERM", () => void running.stop());
 */
export async function startRoles(
  config: Config,
  roles: readonly Role[],
  logger: Logger,
  listen: Listen = listenNode,
): Promise<Running> {
  const subjects = subjectNames(config.stream.subjectPrefix);
  // Telemetry: undefined tracer when OTEL_SDK_DISABLED (no span work at all); one metrics registry per process.
  const tracer = tracerFor(!config.otel.disabled);
  const ownConsumers = CONSUMER_ROLES.filter((r) => roles.includes(r));
  const metrics = createMetrics({ consumers: ownConsumers });
  const bus = needsBus(roles) ? await connectBus(config.natsUrl, `playpulse:${roles.join("+")}`, logger) : undefined;
  const storeTelemetry = { tracer, observer: metrics.store };
  const store = needsStore(roles)
    ? createStore({ url: config.clickhouse.url, database: config.clickhouse.database, telemetry: storeTelemetry })
    : undefined;
  // A role may start before its servers (Kubernetes starts everything at once): keep trying.
  for (let attempt = 1; ; attempt++) {
    try {
      await provisionAll(config, { ...(bus ? { bus } : {}), ...(store ? { store } : {}), logger });
      break;
    } catch (err: unknown) {
      const delay = backoffMs(attempt, 500, 10_000);
      logger.warn({ err, attempt, retryInMs: delay }, "provisioning failed (is ClickHouse/NATS reachable?); retrying");
      await new Promise((r) => setTimeout(r, delay));
    }
  }

  const routes: Hono[] = [];
  const readiness: Record<string, ReadinessProbe> = {};
  if (bus) readiness.nats = () => Promise.resolve(bus.isConnected());
  // Ingest needs NATS only: in a process that also ingests, a ClickHouse outage is reported but
  // never takes the edge out of service (queries meanwhile answer 503).
  const informational: Record<string, ReadinessProbe> = {};
  if (store) (roles.includes("ingest") ? informational : readiness).clickhouse = () => store.ping();

  // Consumer backlogs for /metrics and GET /v1/lag. The query role alone connects to NATS lazily: it starts and is ready without it.
  const lagNats = !bus && roles.includes("query") ? lazyNatsConnection(config.natsUrl, "playpulse:query") : undefined;
  const backlog =
    bus || lagNats
      ? createBacklogReader({
          connection: async () => (bus ? bus.nc : lagNats?.get()),
          stream: config.stream.name,
          dlqStream: dlqStreamName(config.stream.name),
          dlqFilter: (consumer) => subjects.dlq(consumer, `${subjects.prefix}>`),
          consumers: CONSUMER_ROLES,
        })
      : undefined;
  if (backlog) metrics.watchBacklog(backlog, ownConsumers);

  const publisher =
    bus && roles.includes("ingest") ? createPublisher(bus, { timeoutMs: config.publish.timeoutMs, tracer }) : undefined;
  if (publisher) {
    routes.push(
      createIngestRoutes({
        publisher,
        keys: config.keys,
        limits: { ...config.limits, bodyTimeoutMs: 10_000 },
        subjects,
        retryAfterSeconds: config.publish.retryAfterSeconds,
        observer: ingestObserver(metrics, tracer !== undefined),
        // With tracing off, a client's traceparent still reaches the stored rows.
        ...(tracer ? {} : { messageHeaders: clientTraceHeaders }),
        ...(config.quarantine.enabled
          ? {
              quarantine: createQuarantineSink({
                publish: (messages) => publisher.publish(messages),
                prefix: subjects.prefix,
                maxPayloadBytes: config.quarantine.maxPayloadBytes,
                onError: (err, lost) => logger.warn({ err, lost }, "quarantine records not stored"),
              }),
            }
          : {}),
      }),
    );
  }
  if (store && roles.includes("query")) {
    routes.push(
      createQueryRoutes({
        store,
        keys: config.keys,
        trendingHalfLifeHours: config.trending.halfLifeHours,
        jaegerUiUrl: config.jaegerUiUrl,
        backlog,
        ccvWindowSeconds: config.ccv.windowSeconds,
      }),
    );
  }

  const loops: { role: ConsumerRole; loop: ConsumeLoop }[] = [];
  if (bus && store) {
    for (const role of CONSUMER_ROLES.filter((r) => roles.includes(r))) {
      const loop = startConsumeLoop({
        bus,
        stream: config.stream.name,
        handler: consumerHandler(
          role,
          store,
          createDeadLetterSink(bus.nc, (consumer, subject) => subjects.dlq(consumer, subject)),
        ),
        logger: logger.child({ consumer: role }),
        batchSize: config.consumers.batchSize,
        flushIntervalMs: config.consumers.flushIntervalMs,
        maxDeliver: config.consumers.maxDeliver,
        faultDelayAfterWriteMs: config.consumers.faultDelayAfterWriteMs,
        dlqSubject: (subject) => subjects.dlq(role, subject),
        tracer,
        onBatch: (stats) => metrics.onBatch(stats),
      });
      loop.done.catch((err: unknown) => logger.error({ err, consumer: role }, "consume loop stopped"));
      loops.push({ role, loop });
    }
    // Rejected-at-the-edge records (PLAYPULSE_QUARANTINE) -> the quarantine table, run by the analytics role.
    if (roles.includes("analytics")) {
      const loop = startConsumeLoop({
        bus,
        stream: quarantineStreamName(config.stream.name),
        handler: createQuarantineConsumer({ store }),
        logger: logger.child({ consumer: "quarantine" }),
        batchSize: config.consumers.batchSize,
        flushIntervalMs: config.consumers.flushIntervalMs,
        maxDeliver: config.consumers.maxDeliver,
        dlqSubject: (subject) => subjects.dlq("quarantine", subject),
        onBatch: (stats) => metrics.onBatch(stats),
      });
      loop.done.catch((err: unknown) => logger.error({ err, consumer: "quarantine" }, "consume loop stopped"));
      loops.push({ role: "analytics", loop });
    }
  }

  const app = createHttpApp({
    routes,
    readiness,
    informational,
    metrics: () => metrics.render(),
    middleware: [httpTelemetry({ tracer, observer: metrics.http, logger })],
    onUnexpectedError: (err, path) => logger.error({ err, path }, "unhandled error in request"),
  });
  const http: HttpServer = await listen(app, config.http.host, config.http.port);
  logger.info({ roles, port: http.port }, "playpulse started");

  const steps: ShutdownStep[] = stopSequence({
    http,
    publisher,
    consumers: loops.map(({ loop }) => loop),
    bus: bus ?? lagNats,
    store,
  });
  return {
    port: http.port,
    roles,
    stop: async () => {
      const report = await runShutdown(steps);
      logger.info({ report }, "playpulse stopped");
      return report;
    },
  };
}
