import { createAlertRoutes, createRules, parseConfigRules } from "../alerts/index.ts";
import { CONSUMERS } from "../consumers/registry.ts";
import { createDashboardRoutes } from "../dashboard/index.ts";
import { createDefinitions, createExperimentRoutes, parseConfigDefinitions } from "../experiments/index.ts";
import { userIdMapper } from "../privacy/index.ts";
import { createQueryRoutes } from "../query/index.ts";
import type { Store } from "../store/index.ts";
import type { RoleContext, StartedRole } from "./context.ts";
import { configured } from "./configured.ts";

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
    userIds: userIdMapper(ctx.config),
  });
  const definitions = createDefinitions(store, configured(parseConfigDefinitions, ctx.config.experiments));
  const experiments = createExperimentRoutes({ store, keys: ctx.config.keys, definitions });
  const rules = createRules(store, configured(parseConfigRules, ctx.config.alertRules));
  const alerts = createAlertRoutes({ store, keys: ctx.config.keys, rules });
  return {
    routes: [routes, experiments, alerts, createDashboardRoutes()],
    readiness: { clickhouse: () => store.ping() },
    stop: {},
  };
}
