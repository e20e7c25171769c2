import type { Hono } from "hono";
import {
  connectBus,
  createBacklogReader,
  dlqStreamName,
  lazyNatsConnection,
  natsAuthenticator,
  regionOfSource,
  type LazyConnection,
} from "./bus/index.ts";
import type { Config } from "./config.ts";
import { CONSUMER_NAMES, type ConsumerName } from "./consumers/registry.ts";
import { subjectNames } from "./events/index.ts";
import { createHttpApp, routesOf, type ReadinessProbe, type RouteInfo } from "./http/app.ts";
import { keyRing } from "./http/auth.ts";
import { listenNode, type HttpServer } from "./http/node-server.ts";
import {
  provisionUntilDone,
  startConsumers,
  startErasureRoutes,
  startEvaluations,
  startIngest,
  startQuery,
  type RoleContext,
} from "./roles/index.ts";
import type { Role, StartedRole } from "./roles/index.ts";
import { runShutdown, stopSequence, type ShutdownReport, type StopParts } from "./shutdown.ts";
import { createStore } from "./store/index.ts";
import { httpTelemetry, telemetryPath } from "./telemetry/http.ts";
import type { Logger } from "./telemetry/logger.ts";
import { rateLimit } from "./ratelimit/index.ts";
import { createMetrics } from "./telemetry/metrics.ts";
import { tracerFor } from "./telemetry/tracing.ts";

export { provisionAll } from "./roles/index.ts";

/** Opens the HTTP port for an app: `listenNode` (default), `listenBun` or `listenDeno`. */
export type Listen = (
  app: Hono,
  host: string,
  port: number,
  timeouts?: { headersTimeoutMs: number; requestTimeoutMs: number },
) => Promise<HttpServer>;

export interface Running {
  /** The HTTP port actually bound (useful with port 0). */
  port: number;
  roles: readonly Role[];
  /** Every route the HTTP app serves (middleware left out): what the auth matrix test walks. */
  routes: readonly RouteInfo[];
  /** The ordered, graceful stop. `clean` is false when a final flush failed. */
  stop(): Promise<ShutdownReport>;
}

/** The HTTP port could not be opened (most often: in use). What the process started is stopped again. */
export class ListenError extends Error {
  override name = "ListenError";
}

const needsBus = (roles: readonly Role[]) => roles.some((r) => r !== "query");
const needsStore = (roles: readonly Role[]) => roles.some((r) => r !== "ingest");

/** Clients and telemetry every role of the process shares, built once. */
function buildContext(config: Config, roles: readonly Role[], logger: Logger, ownConsumers: readonly ConsumerName[]) {
  const subjects = subjectNames(config.stream.subjectPrefix);
  // Telemetry: undefined tracer when OTEL_SDK_DISABLED (no span work at all); one metrics registry per process.
  const tracer = tracerFor(!config.otel.disabled);
  const metrics = createMetrics({ consumers: ownConsumers });
  const store = needsStore(roles)
    ? createStore({
        url: config.clickhouse.url,
        database: config.clickhouse.database,
        cluster: config.clickhouse.cluster,
        telemetry: { tracer, observer: metrics.store },
      })
    : undefined;
  return { subjects, tracer, metrics, store };
}

/** Consumer backlogs for /metrics and GET /v1/lag. The query role alone connects to NATS lazily: it starts and is ready without it. */
function backlogOf(config: Config, roles: readonly Role[], ctx: Pick<RoleContext, "bus" | "subjects">) {
  const { bus, subjects } = ctx;
  const lazy: LazyConnection | undefined =
    !bus && roles.includes("query")
      ? lazyNatsConnection(config.natsUrl, "playpulse:query", 2000, natsAuthenticator(config.natsAuth))
      : undefined;
  const backlog =
    bus || lazy
      ? createBacklogReader({
          connection: async () => (bus ? bus.nc : lazy?.get()),
          stream: config.stream.name,
          dlqStream: dlqStreamName(config.stream.name),
          dlqFilter: (consumer) => subjects.dlq(consumer, `${subjects.prefix}>`),
          consumers: CONSUMER_NAMES,
          regionOf: (source) => regionOfSource(config.stream, source),
        })
      : undefined;
  return { backlog, lazy };
}

/** Starts each asked-for role on the shared context. */
function startEach(ctx: RoleContext, roles: readonly Role[], ownConsumers: readonly ConsumerName[]): StartedRole[] {
  const { bus, store } = ctx;
  const started: StartedRole[] = [];
  if (bus && roles.includes("ingest")) started.push(startIngest(ctx, bus));
  if (store && roles.includes("query")) started.push(startQuery(ctx, store));
  // Erasure publishes on the bus and reads the store: it needs the edge and the query API in one process.
  if (bus && store && roles.includes("ingest") && roles.includes("query"))
    started.push(startErasureRoutes(ctx, bus, store));
  if (bus && store && ownConsumers.length > 0) started.push(startConsumers(ctx, { bus, store }, ownConsumers));
  if (bus && store && roles.includes("evaluations")) started.push(startEvaluations(ctx, { bus, store }));
  return started;
}

/**
 * Readiness of the process: every role's checks. Ingest needs NATS only: in a process that also
 * ingests, a ClickHouse outage is reported but never takes the edge out of service (queries
 * meanwhile answer 503).
 */
function readinessOf(started: readonly StartedRole[], roles: readonly Role[]) {
  const readiness: Record<string, ReadinessProbe> = Object.fromEntries(
    started.flatMap((s) => Object.entries(s.readiness)),
  );
  const informational: Record<string, ReadinessProbe> = {};
  if (roles.includes("ingest") && readiness.clickhouse) {
    informational.clickhouse = readiness.clickhouse;
    delete readiness.clickhouse;
  }
  return { readiness, informational };
}

/** The source of a presented key, for per-source rate limits (undefined when no source has its own). */
function sourceOfKey(config: Config): ((key: string) => string | undefined) | undefined {
  if (config.rateLimits.perSource.size === 0) return undefined;
  const find = keyRing(config.keys);
  return (key) => find(key)?.source;
}

/**
 * The composition root: builds clients from config, starts the asked-for roles in this
 * process, opens the HTTP port and returns the ordered stop. When the port cannot be opened,
 * everything started is stopped again and a `ListenError` is thrown.
 *
 * @example
 * const running = await startRoles(loadConfig(env, ["ingest"]), ["ingest"], logger);
 * process.once("SIGTERM", () => void running.stop());
 */
export async function startRoles(
  config: Config,
  roles: readonly Role[],
  logger: Logger,
  listen: Listen = listenNode,
): Promise<Running> {
  const ownConsumers = CONSUMER_NAMES.filter((r) => roles.includes(r));
  const shared = buildContext(config, roles, logger, ownConsumers);
  const bus = needsBus(roles)
    ? await connectBus(config.natsUrl, `playpulse:${roles.join("+")}`, logger, config.natsAuth)
    : undefined;
  await provisionUntilDone(config, { bus, store: shared.store, logger, roles });
  const { backlog, lazy } = backlogOf(config, roles, { bus, subjects: shared.subjects });
  if (backlog) shared.metrics.watchBacklog(backlog, ownConsumers);
  const ctx: RoleContext = { config, logger, bus, backlog, ...shared };
  const started = startEach(ctx, roles, ownConsumers);

  const app = createHttpApp({
    routes: started.flatMap((s) => s.routes),
    ...readinessOf(started, roles),
    metrics: () => ctx.metrics.render(),
    middleware: [
      httpTelemetry({ tracer: ctx.tracer, observer: ctx.metrics.http, logger }),
      rateLimit({ ...config.rateLimits, sourceOf: sourceOfKey(config) }),
    ],
    onUnexpectedError: (err, path) => logger.error({ err, path: telemetryPath(path) }, "unhandled error in request"),
  });
  const parts: Omit<StopParts, "http"> = {
    publisher: started.find((s) => s.stop.publisher)?.stop.publisher,
    consumers: started.flatMap((s) => s.stop.consumers ?? []),
    bus: bus ?? lazy,
    store: ctx.store,
  };
  const http = await listen(app, config.http.host, config.http.port, config.http).catch(async (err: unknown) => {
    await runShutdown(stopSequence({ ...parts, http: { close: () => Promise.resolve() } }));
    const where = `${config.http.host}:${config.http.port}`;
    throw new ListenError(`cannot listen on ${where}: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
    });
  });
  logger.info({ roles, port: http.port }, "playpulse started");

  const steps = stopSequence({ ...parts, http });
  return {
    port: http.port,
    roles,
    routes: routesOf(app),
    stop: async () => {
      const report = await runShutdown(steps);
      logger.info({ report }, "playpulse stopped");
      return report;
    },
  };
}
