import type { z } from "zod";
import type { AlertRuleCreated, AlertRuleDeleted, AlertRules, Alerts } from "./answers.ts";
import { Hono } from "hono";
import { requireKey, type Keys } from "../http/auth.ts";
import { readJsonBody } from "../http/json-body.ts";
import { parseEnum, parseId, parseLimit } from "../query/index.ts";
import type { Store } from "../store/index.ts";
import { listAlerts } from "./alerts-store.ts";
import { parseRule } from "./rule.ts";
import type { Rules } from "./rules-store.ts";

type Answer<T extends z.ZodType> = z.output<T>;

export interface AlertRoutesDeps {
  store: Store;
  keys: Keys;
  rules: Rules;
  now?: () => number;
}

const STATES = ["any", "firing", "resolved"] as const;

/**
 * Alert rules and alerts (docs/alerts.md): `POST /v1/alerts/rules` and `DELETE
 * /v1/alerts/rules/:rule_id` with an admin key, `GET /v1/alerts/rules` and `GET
 * /v1/alerts?state=firing|resolved` with a read key.
 *
 * @example
 * app.route("/", createAlertRoutes({ store, keys, rules: createRules(store, []) }));
 */
export function createAlertRoutes(deps: AlertRoutesDeps): Hono {
  const { store, rules } = deps;
  const now = deps.now ?? Date.now;
  const admin = requireKey(deps.keys, "admin");
  const reader = requireKey(deps.keys, "read");
  const app = new Hono();

  app.post("/v1/alerts/rules", admin, async (c) => {
    const rule = await readJsonBody(c.req.raw, {
      maxBytes: 16 * 1024,
      what: "a JSON alert rule (docs/alerts.md)",
      invalidCode: "invalid_rule",
      parse: (body) => parseRule(body, "api"),
    });
    const { created, rule: stored } = await rules.create(rule);
    return c.json({ created, rule: stored } satisfies Answer<typeof AlertRuleCreated>, created ? 201 : 200);
  });

  app.get("/v1/alerts/rules", reader, async (c) =>
    c.json({ rules: await rules.list() } satisfies Answer<typeof AlertRules>),
  );

  app.delete("/v1/alerts/rules/:rule_id", admin, async (c) => {
    const rule = await rules.remove(parseId("rule_id", c.req.param("rule_id")));
    return c.json({ deleted: true as const, rule } satisfies Answer<typeof AlertRuleDeleted>);
  });

  app.get("/v1/alerts", reader, async (c) => {
    const q = c.req.query();
    const state = parseEnum("state", q.state, STATES, "any");
    const alerts = await listAlerts(store, {
      state: state === "any" ? undefined : state,
      ruleId: q.rule_id === undefined ? undefined : parseId("rule_id", q.rule_id),
      limit: parseLimit(q.limit, 100, 1000),
    });
    return c.json({ as_of: new Date(now()).toISOString(), state, alerts } satisfies Answer<typeof Alerts>);
  });

  return app;
}
