import { ident, num, p, sql, type Store } from "../store/index.ts";
import { lookupTitles } from "./catalog.ts";
import { perViewSql } from "./metrics-sql.ts";
import type { Range } from "./params.ts";
import type { TopItem } from "./answers.ts";

export type { TopItem } from "./answers.ts";

/** Titles ranked by views (distinct views with play_requested) or watch time (Σ per-view max played_ms). */
export async function topVideos(
  store: Store,
  range: Range,
  by: "views" | "watch_time",
  limit: number,
): Promise<TopItem[]> {
  const order = ident(by === "views" ? "views" : "watch_time_ms");
  const rows = await store.select<{ video_id: string; views: unknown; watch_time_ms: unknown }>(
    sql`SELECT video_id, countIf(requested = 1) AS views, sum(played_ms) AS watch_time_ms FROM (${perViewSql(
      store.db,
      sql`ts_ms >= ${p.u64(range.from)} AND ts_ms < ${p.u64(range.to)}`,
      sql` video_id,`,
      sql`video_id, user_id, view_id`,
    )}) GROUP BY video_id ORDER BY ${order} DESC, video_id ASC LIMIT ${p.u64(limit)}`,
  );
  const titles = await lookupTitles(
    store,
    rows.map((r) => r.video_id),
  );
  return rows.map((r) => ({
    video_id: r.video_id,
    title: titles.get(r.video_id)?.title ?? null,
    views: num(r.views),
    watch_time_ms: num(r.watch_time_ms),
  }));
}
