import { Hono } from "hono";
import { requireKey, type Keys } from "../http/auth.ts";
import type { Store } from "../store/index.ts";
import { parseEnum, parseId, parseLimit, parseRange } from "./params.ts";
import { recommend } from "./recommendations.ts";
import { videoStats } from "./stats.ts";
import { topVideos } from "./top.ts";
import { trendingScores } from "./trending.ts";
import { lookupTitles } from "./catalog.ts";
import { locateEvent } from "./event-lookup.ts";
import { consumerLag, parseWindowMinutes } from "./lag.ts";
import type { BacklogReader } from "../telemetry/consumer-backlog.ts";
import type { ConsumerTable } from "./consumer-tables.ts";
import { createReadRoutes } from "./read-routes.ts";
import type { RecommendationsAnswer, TopAnswer, TrendingAnswer, VideoStatsAnswer } from "./answers.ts";

export interface QueryDeps {
  store: Store;
  keys: Keys;
  trendingHalfLifeHours: number;
  /** The consumers whose tables `GET /v1/events/:id` and `GET /v1/lag` read (the consumer registry). */
  consumers: readonly ConsumerTable[];
  now?: () => number;
  /** Base URL of Jaeger's UI, for the trace links of `GET /v1/events/:id` (none when undefined). */
  jaegerUiUrl?: string | undefined;
  /** Consumer backlogs from JetStream, for `GET /v1/lag` (its backlog fields are null without). */
  backlog?: BacklogReader | undefined;
  /** PLAYPULSE_CCV_WINDOW_SECONDS (25 by default), for `GET /v1/concurrency`. */
  ccvWindowSeconds?: number;
  /** PLAYPULSE_USER_ID_HASH: the stored form of a user id (src/privacy), for the per-user routes. */
  userIds?: ((userId: string) => string) | undefined;
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * The read API over ClickHouse. Every route needs a read key.
 *
 * @example
 * app.route("/", createQueryRoutes({ store, keys, trendingHalfLifeHours: 12, consumers: CONSUMERS }));
 */
export function createQueryRoutes(deps: QueryDeps): Hono {
  const { store } = deps;
  const now = deps.now ?? Date.now;
  const app = new Hono();
  app.use("/v1/videos/*", requireKey(deps.keys, "read"));
  app.use("/v1/trending", requireKey(deps.keys, "read"));
  app.use("/v1/users/:user_id/recommendations", requireKey(deps.keys, "read"));
  app.route("/", createReadRoutes({ store, keys: deps.keys, ccvWindowSeconds: deps.ccvWindowSeconds ?? 25, now }));

  app.get("/v1/events/:id", requireKey(deps.keys, "read"), async (c) => {
    const id = parseId("id", c.req.param("id"));
    return c.json(await locateEvent(store, deps.consumers, id, deps.jaegerUiUrl));
  });

  app.get("/v1/lag", requireKey(deps.keys, "read"), async (c) => {
    const minutes = parseWindowMinutes(c.req.query("minutes"));
    return c.json(await consumerLag({ store, consumers: deps.consumers, backlog: deps.backlog }, minutes, now()));
  });

  app.get("/v1/videos/top", async (c) => {
    const range = parseRange(c.req.query(), now());
    const by = parseEnum("by", c.req.query("by"), ["views", "watch_time"] as const, "views");
    const limit = parseLimit(c.req.query("limit"));
    const items = await topVideos(store, range, by, limit);
    return c.json({ from: iso(range.from), to: iso(range.to), by, items } satisfies TopAnswer);
  });

  app.get("/v1/videos/:video_id/stats", async (c) => {
    const videoId = parseId("video_id", c.req.param("video_id"));
    const range = parseRange(c.req.query(), now());
    const metrics = await videoStats(store, videoId, range);
    return c.json({
      video_id: videoId,
      from: iso(range.from),
      to: iso(range.to),
      ...metrics,
    } satisfies VideoStatsAnswer);
  });

  app.get("/v1/trending", async (c) => {
    const limit = parseLimit(c.req.query("limit"));
    const asOf = now();
    const scores = await trendingScores(store, asOf, deps.trendingHalfLifeHours, limit);
    const titles = await lookupTitles(
      store,
      scores.map((s) => s.video_id),
    );
    return c.json({
      as_of: iso(asOf),
      half_life_hours: deps.trendingHalfLifeHours,
      items: scores.map((s) => ({ ...s, title: titles.get(s.video_id)?.title ?? null })),
    } satisfies TrendingAnswer);
  });

  app.get("/v1/users/:user_id/recommendations", async (c) => {
    const userId = parseId("user_id", c.req.param("user_id"));
    const limit = parseLimit(c.req.query("limit"));
    const stored = deps.userIds ? deps.userIds(userId) : userId;
    const items = await recommend(store, stored, { limit, asOf: now(), halfLifeHours: deps.trendingHalfLifeHours });
    return c.json({ user_id: userId, items } satisfies RecommendationsAnswer);
  });

  return app;
}
