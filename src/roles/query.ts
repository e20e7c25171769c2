import { CONSUMERS } from "../consumers/registry.ts";
import { createDashboardRoutes } from "../dashboard/index.ts";
import { createQueryRoutes } from "../query/index.ts";
import type { Store } from "../store/index.ts";
import type { RoleContext, StartedRole } from "./context.ts";

/**
 * The query role: the read API over ClickHouse. It is ready when ClickHouse answers; NATS is
 * optional (GET /v1/lag reports the backlog as unavailable without it).
 *
 * @example
 * const query = startQuery(ctx, store);
 */
export function startQuery(ctx: RoleContext, store: Store): StartedRole {
  const routes = createQueryRoutes({
    store,
    keys: ctx.config.keys,
    trendingHalfLifeHours: ctx.config.trending.halfLifeHours,
    jaegerUiUrl: ctx.config.jaegerUiUrl,
    consumers: CONSUMERS,
    backlog: ctx.backlog,
    ccvWindowSeconds: ctx.config.ccv.windowSeconds,
  });
  return { routes: [routes, createDashboardRoutes()], readiness: { clickhouse: () => store.ping() }, stop: {} };
}
