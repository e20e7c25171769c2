import type { Hono } from "hono";
import { connectBus, createPublisher } from "../bus/index.ts";
import type { Config, Role } from "../config.ts";
import { subjectNames } from "../events/index.ts";
import { createHttpApp, type ReadinessProbe } from "../http/app.ts";
import type { HttpServer } from "../http/node-server.ts";
import { createIngestRoutes } from "../ingest/index.ts";
import { provisionAll, type Running } from "../main.ts";
import { createQueryRoutes } from "../query/index.ts";
import { runShutdown, stopSequence } from "../shutdown.ts";
import { createStore } from "../store/index.ts";
import type { Logger } from "../telemetry/logger.ts";

/** Opens the HTTP port for an app: `listenNode`, `listenBun` or `listenDeno`. */
export type Listen = (app: Hono, host: string, port: number) => Promise<HttpServer>;

/** The roles whose HTTP server is the runtime's own (Bun.serve, Deno.serve). */
export const EDGE_ROLES: readonly Role[] = ["ingest", "query"];

/**
 * The ingest and query roles of `startRoles` (src/main.ts) with the HTTP adapter as a
 * parameter, for the Bun and Deno entry points: the same pieces (bus, store, provisioning,
 * the ingest and query routes, the HTTP app, the stop sequence) assembled the same way.
 * Consumer roles need no particular HTTP server and run through `startRoles` itself. Once
 * `startRoles` takes a `listen` argument, this file reduces to that call.
 *
 * @example
 * const running = await startEdgeRoles(loadConfig(process.env, ["ingest"]), ["ingest"], logger, listenBun);
 */
export async function startEdgeRoles(config: Config, roles: readonly Role[], logger: Logger, listen: Listen): Promise<Running> {
  const other = roles.filter((r) => !EDGE_ROLES.includes(r));
  if (other.length > 0) throw new Error(`startEdgeRoles runs ingest and query only, not ${other.join(", ")}`);
  const subjects = subjectNames(config.stream.subjectPrefix);
  const bus = roles.includes("ingest") ? await connectBus(config.natsUrl, `playpulse:${roles.join("+")}`, logger) : undefined;
  const store = roles.includes("query") ? createStore({ url: config.clickhouse.url, database: config.clickhouse.database }) : undefined;
  await provisionAll(config, { ...(bus ? { bus } : {}), ...(store ? { store } : {}), logger });

  const routes: Hono[] = [];
  const readiness: Record<string, ReadinessProbe> = {};
  if (bus) readiness.nats = () => Promise.resolve(bus.isConnected());
  if (store) readiness.clickhouse = () => store.ping();
  const publisher = bus ? createPublisher(bus, { timeoutMs: config.publish.timeoutMs }) : undefined;
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
  if (store) routes.push(createQueryRoutes({ store, keys: config.keys, trendingHalfLifeHours: config.trending.halfLifeHours }));

  const app = createHttpApp({ routes, readiness, onUnexpectedError: (err, path) => logger.error({ err, path }, "unhandled error in request") });
  const http = await listen(app, config.http.host, config.http.port);
  logger.info({ roles, port: http.port }, "playpulse started");
  const steps = stopSequence({ http, publisher, consumers: [], bus, store });
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
