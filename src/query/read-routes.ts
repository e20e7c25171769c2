import { Hono } from "hono";
import { requireKey, type Keys } from "../http/auth.ts";
import { ApiError } from "../http/errors.ts";
import type { Store } from "../store/index.ts";
import { breakdown, parseMetric } from "./breakdown.ts";
import { concurrency } from "./concurrency.ts";
import { parseDimension, parseStep } from "./dimensions.ts";
import { overview } from "./overview.ts";
import { parseEnum, parseId, parseLimit, parseTime, type Range } from "./params.ts";
import { timeseries } from "./timeseries.ts";
import type { BreakdownAnswer, TimeseriesAnswer } from "./answers.ts";

export interface ReadRoutesDeps {
  store: Store;
  keys: Keys;
  /** PLAYPULSE_CCV_WINDOW_SECONDS: the presence table the concurrency queries read. */
  ccvWindowSeconds: number;
  now?: () => number;
}

const HOUR = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();

/** `from` and `to`, defaulting to the `spanMs` that ends now. */
export function parseRecentRange(
  q: { from?: string | undefined; to?: string | undefined },
  now: number,
  spanMs: number,
) {
  const to = parseTime("to", q.to) ?? now;
  const from = parseTime("from", q.from) ?? to - spanMs;
  if (from >= to)
    throw new ApiError(400, "invalid_parameter", `from must be before to (from=${iso(from)}, to=${iso(to)})`);
  return { from, to } satisfies Range;
}

const optionalId = (name: string, raw: string | undefined) =>
  raw === undefined || raw === "" ? undefined : parseId(name, raw);

/**
 * The dashboard's read API: concurrent viewers, breakdowns, time series and the overview
 * (docs/api.md, formulas in docs/metrics.md). Every route needs a read key.
 *
 * @example
 * app.route("/", createReadRoutes({ store, keys, ccvWindowSeconds: 25 }));
 */
export function createReadRoutes(deps: ReadRoutesDeps): Hono {
  const { store } = deps;
  const now = deps.now ?? Date.now;
  const app = new Hono();
  const read = requireKey(deps.keys, "read");

  app.get("/v1/concurrency", read, async (c) => {
    const range = parseRecentRange(c.req.query(), now(), HOUR);
    const stepMs = parseStep(c.req.query("step"), 5000, 5000, range.to - range.from, 20_000);
    const videoId = optionalId("video_id", c.req.query("video_id"));
    return c.json(
      await concurrency(store, { range, stepMs, windowSeconds: deps.ccvWindowSeconds, videoId, now: now() }),
    );
  });

  app.get("/v1/breakdown", read, async (c) => {
    const q = c.req.query();
    const range = parseRecentRange(q, now(), 24 * HOUR);
    const dimension = parseDimension(q.dimension);
    const sort = parseMetric("sort", q.sort, "views");
    const order = parseEnum("order", q.order, ["desc", "asc"] as const, "desc");
    const limit = parseLimit(q.limit, 20, 1000);
    const videoId = optionalId("video_id", q.video_id);
    const result = await breakdown(store, { range, dimension, videoId, sort, order, limit });
    return c.json({
      from: iso(range.from),
      to: iso(range.to),
      dimension,
      video_id: videoId ?? null,
      sort,
      order,
      ...result,
    } satisfies BreakdownAnswer);
  });

  app.get("/v1/timeseries", read, async (c) => {
    const q = c.req.query();
    const range = parseRecentRange(q, now(), HOUR);
    const metric = parseMetric("metric", q.metric);
    const stepMs = parseStep(q.step, 60_000, 5000, range.to - range.from, 10_000);
    const videoId = optionalId("video_id", q.video_id);
    const filter =
      q.dimension === undefined ? undefined : { dimension: parseDimension(q.dimension), value: q.value ?? "" };
    const points = await timeseries(store, {
      range,
      metric,
      stepMs,
      videoId,
      filter: filter && { dimension: filter.dimension, value: filter.value === "" ? null : filter.value },
    });
    return c.json({
      metric,
      from: iso(range.from),
      to: iso(range.to),
      step_seconds: stepMs / 1000,
      video_id: videoId ?? null,
      ...(filter ? { dimension: filter.dimension, value: filter.value === "" ? null : filter.value } : {}),
      points,
    } satisfies TimeseriesAnswer);
  });

  app.get("/v1/overview", read, async (c) => {
    return c.json(await overview(store, parseRecentRange(c.req.query(), now(), 24 * HOUR)));
  });

  return app;
}
