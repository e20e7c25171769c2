import { createPublisher, DLQ_MAX_AGE_MS, dlqStreamName, type BusConnection } from "../bus/index.ts";
import { createErasureRoutes } from "../erasure/index.ts";
import { userIdMapper } from "../privacy/index.ts";
import type { Store } from "../store/index.ts";
import type { RoleContext, StartedRole } from "./context.ts";

/**
 * The erasure routes (docs/erasure.md): in a process that runs both the edge (which publishes the
 * request) and the query API (which reads the receipt), as the `edge` Deployment and `serve` do.
 *
 * @example
 * started.push(startErasureRoutes(ctx, bus, store));
 */
export function startErasureRoutes(ctx: RoleContext, bus: BusConnection, store: Store): StartedRole {
  const { config } = ctx;
  // Its own publisher: an erasure request is one message, acknowledged like an event.
  const publisher = createPublisher(bus, { timeoutMs: config.publish.timeoutMs, tracer: undefined });
  const routes = createErasureRoutes({
    store,
    publisher,
    keys: config.keys,
    prefix: ctx.subjects.prefix,
    suppressForMs: config.erasure.suppressForMs,
    retryAfterSeconds: config.publish.retryAfterSeconds,
    userIds: userIdMapper(config),
    copies: [
      { where: `dead letters (${dlqStreamName(config.stream.name)})`, maxAgeMs: DLQ_MAX_AGE_MS },
      // With regions, each region's own stream keeps what its edge accepted (docs/regions.md).
      ...(config.stream.region === "" && config.stream.sourceRegions.length === 0
        ? []
        : [{ where: "each region's own stream", maxAgeMs: config.stream.maxAgeMs }]),
    ],
  });
  return { routes: [routes], readiness: {}, stop: {} };
}
