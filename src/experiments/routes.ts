import { Hono } from "hono";
import type { Keys } from "../http/auth.ts";
import { ApiError } from "../http/errors.ts";
import { readJsonBody } from "../http/json-body.ts";
import { experimentStats, parseLimit, parseTime } from "../query/index.ts";
import type { Store } from "../store/index.ts";
import { requireExperimentAdmin, requireExperimentReader } from "./auth.ts";
import { definitionJson, parseDefinition } from "./definition.ts";
import type { Definitions } from "./definitions-store.ts";
import { evaluateExperiment } from "./evaluate.ts";
import { listEvaluations } from "./evaluations-store.ts";
import type { ExperimentAnswer, ExperimentCreated, ExperimentEvaluations, ExperimentList } from "./answers.ts";

export interface ExperimentRoutesDeps {
  store: Store;
  keys: Keys;
  definitions: Definitions;
  now?: () => number;
}

const MAX_BODY = 64 * 1024;
/** Without a definition (or `to`), the range is the last 24 h plus the 24 h of clock skew the edge accepts, as before. */
const DAY = 24 * 3600_000;
const iso = (ms: number) => new Date(ms).toISOString();

const readDefinition = (req: Request) =>
  readJsonBody(req, {
    maxBytes: MAX_BODY,
    what: "a JSON experiment definition (docs/experiments.md)",
    invalidCode: "invalid_experiment",
    parse: (body) => parseDefinition(body, "api"),
  });

function parseExperimentId(raw: string): string {
  if (raw.length === 0 || raw.length > 128 || /[\u0000-\u001f\u007f]/.test(raw)) {
    throw new ApiError(400, "invalid_parameter", "experiment_id: must be 1-128 characters without control characters");
  }
  return raw;
}

/**
 * Experiments: `POST /v1/experiments` (write key) defines one, `GET /v1/experiments` lists them with
 * their SRM state, `GET /v1/experiments/:id` answers per-variant metrics and the verdict,
 * `GET /v1/experiments/:id/evaluations` each verdict change announced, latest first (docs/experiments.md).
 *
 * @example
 * app.route("/", createExperimentRoutes({ store, keys, definitions }));
 */
export function createExperimentRoutes(deps: ExperimentRoutesDeps): Hono {
  const { store, definitions } = deps;
  const now = deps.now ?? Date.now;
  const app = new Hono();

  app.post("/v1/experiments", requireExperimentAdmin(deps.keys), async (c) => {
    const def = await readDefinition(c.req.raw);
    const { created, definition } = await definitions.create(def);
    return c.json({ created, experiment: definitionJson(definition) } satisfies ExperimentCreated, created ? 201 : 200);
  });

  app.get("/v1/experiments", requireExperimentReader(deps.keys), async (c) => {
    const at = now();
    const defs = await definitions.list();
    const items = await Promise.all(
      defs.map(async (d) => {
        const v = await evaluateExperiment({ store }, d, at);
        const decisions = Object.fromEntries(v.variants.map((x) => [x.variant, x.decision]));
        return { ...definitionJson(d), views: v.srm.observed, srm: v.srm, warnings: v.warnings, decisions };
      }),
    );
    return c.json({ as_of: iso(at), experiments: items } satisfies ExperimentList);
  });

  app.get("/v1/experiments/:experiment_id", requireExperimentReader(deps.keys), async (c) => {
    const id = parseExperimentId(c.req.param("experiment_id"));
    const at = now();
    const def = await definitions.get(id);
    const q = c.req.query();
    const to = parseTime("to", q.to) ?? at + DAY;
    const from = parseTime("from", q.from) ?? (def ? def.started_at : at - DAY);
    if (from >= to)
      throw new ApiError(400, "invalid_parameter", `from must be before to (from=${iso(from)}, to=${iso(to)})`);
    const rangeUsed = { from, to };
    const [variants, verdict] = await Promise.all([
      experimentStats(store, id, rangeUsed),
      def ? evaluateExperiment({ store }, def, at, rangeUsed) : null,
    ]);
    const warnings = verdict
      ? verdict.warnings
      : [`no definition for "${id}": POST /v1/experiments to get a verdict (docs/experiments.md)`];
    return c.json({
      experiment_id: id,
      from: iso(rangeUsed.from),
      to: iso(rangeUsed.to),
      variants,
      warnings,
      definition: def ? definitionJson(def) : null,
      verdict,
    } satisfies ExperimentAnswer);
  });

  app.get("/v1/experiments/:experiment_id/evaluations", requireExperimentReader(deps.keys), async (c) => {
    const id = parseExperimentId(c.req.param("experiment_id"));
    const limit = parseLimit(c.req.query("limit"), 50, 1000);
    const evaluations = await listEvaluations(store, { experimentId: id, limit });
    return c.json({ as_of: iso(now()), experiment_id: id, evaluations } satisfies ExperimentEvaluations);
  });

  return app;
}
