import type { Hono } from "hono";
import { connectBus, createPublisher, dlqStreamName, provisionBus, startConsumeLoop, type BusConnection, type ConsumeLoop, type ConsumerHandler } from "./bus/index.ts";
import { CONSUMER_ROLES, type Config, type ConsumerRole, type Role } from "./config.ts";
import { createAnalyticsConsumer } from "./consumers/analytics/index.ts";
import { createContentConsumer } from "./consumers/content/index.ts";
import { createRecommendationsConsumer } from "./consumers/recommendations/index.ts";
import { subjectNames } from "./events/index.ts";
import { createHttpApp, type ReadinessProbe } from "./http/app.ts";
import { listenNode, type HttpServer } from "./http/node-server.ts";
import { createIngestRoutes } from "./ingest/index.ts";
import { createQueryRoutes } from "./query/index.ts";
import { runShutdown, type ShutdownReport, type ShutdownStep } from "./shutdown.ts";
import { createStore, migrate, type Store } from "./store/index.ts";
import type { Logger } from "./telemetry/logger.ts";

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
export async function provisionAll(config: Config, deps: { bus?: BusConnection; store?: Store; logger: Logger }): Promise<void> {
  const subjects = subjectNames(config.stream.subjectPrefix);
  if (deps.bus) {
    await provisionBus(deps.bus.nc, subjects, config.stream, { ackWaitMs: config.consumers.ackWaitMs, maxAckPending: Math.max(1000, config.consumers.batchSize * 4) });
    deps.logger.info({ stream: config.stream.name, dlq: dlqStreamName(config.stream.name) }, "jetstream provisioned");
  }
  if (deps.store) {
    const applied = await migrate(deps.store);
    deps.logger.info({ database: config.clickhouse.database, applied }, "clickhouse migrated");
  }
}

function consumerHandler(role: ConsumerRole, store: Store): ConsumerHandler<object> {
  switch (role) {
    case "analytics":
      return createAnalyticsConsumer({ store });
    case "recommendations":
      return createRecommendationsConsumer({ store });
    case "content":
      return createContentConsumer({ store });
  }
}

/**
 * The composition root: builds clients from config, starts the asked-for roles in this
 * process, and returns the ordered stop.
 *
 * @example
 * const running = await startRoles(loadConfig(process.env, ["ingest"]), ["ingest"], logger);
 * process.once("SIGTERM", () => void running.stop());
 */
export async function startRoles(config: Config, roles: readonly Role[], logger: Logger): Promise<Running> {
  const subjects = subjectNames(config.stream.subjectPrefix);
  const bus = needsBus(roles) ? await connectBus(config.natsUrl, `playpulse:${roles.join("+")}`, logger) : undefined;
  const store = needsStore(roles) ? createStore({ url: config.clickhouse.url, database: config.clickhouse.database }) : undefined;
  await provisionAll(config, { ...(bus ? { bus } : {}), ...(store ? { store } : {}), logger });

  const routes: Hono[] = [];
  const readiness: Record<string, ReadinessProbe> = {};
  if (bus) readiness.nats = () => Promise.resolve(bus.isConnected());
  if (store) readiness.clickhouse = () => store.ping();

  const publisher = bus && roles.includes("ingest") ? createPublisher(bus, { timeoutMs: config.publish.timeoutMs }) : undefined;
  if (publisher) {
    routes.push(
      createIngestRoutes({
        publisher,
        keys: config.keys,
        limits: { ...config.limits, bodyTimeoutMs: 10_000 },
        subjects,
        retryAfterSeconds: config.publish.retryAfterSeconds,
      }),
    );
  }
  if (store && roles.includes("query")) {
    routes.push(createQueryRoutes({ store, keys: config.keys, trendingHalfLifeHours: config.trending.halfLifeHours }));
  }

  const loops: { role: ConsumerRole; loop: ConsumeLoop }[] = [];
  if (bus && store) {
    for (const role of CONSUMER_ROLES.filter((r) => roles.includes(r))) {
      const loop = startConsumeLoop({
        bus,
        stream: config.stream.name,
        handler: consumerHandler(role, store),
        logger: logger.child({ consumer: role }),
        batchSize: config.consumers.batchSize,
        flushIntervalMs: config.consumers.flushIntervalMs,
        maxDeliver: config.consumers.maxDeliver,
        dlqSubject: (subject) => subjects.dlq(role, subject),
      });
      loop.done.catch((err: unknown) => logger.error({ err, consumer: role }, "consume loop stopped"));
      loops.push({ role, loop });
    }
  }

  const app = createHttpApp({
    routes,
    readiness,
    onUnexpectedError: (err, path) => logger.error({ err, path }, "unhandled error in request"),
  });
  const http: HttpServer = await listenNode(app, config.http.host, config.http.port);
  logger.info({ roles, port: http.port }, "playpulse started");

  const steps: ShutdownStep[] = [
    { name: "http: stop accepting", run: () => http.close() },
    { name: "ingest: finish in-flight publishes", run: async () => publisher?.close() },
    {
      name: "consumers: flush batches and ack",
      run: async () => (await Promise.all(loops.map(async ({ loop }) => (await loop.stop()).clean))).every(Boolean),
    },
    { name: "nats: drain and close", run: async () => bus?.close() },
    { name: "clickhouse: close", run: async () => store?.close() },
  ];
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
