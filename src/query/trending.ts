import { num, p, sql, type Store } from "../store/index.ts";
import type { TrendingScore } from "./answers.ts";

export type { TrendingScore } from "./answers.ts";

/** Contributions older than this many half-lives (< 0.1 % each) are left out. */
const HORIZON_HALF_LIVES = 10;

/**
 * Exponentially decayed play count: each view that reached `played` contributes
 * 2^(-(asOf - t) / halfLife), t being the view's first `played` timestamp.
 */
export async function trendingScores(
  store: Store,
  asOf: number,
  halfLifeHours: number,
  limit: number,
): Promise<TrendingScore[]> {
  const halfLifeMs = halfLifeHours * 3600_000;
  const since = Math.max(0, Math.floor(asOf - HORIZON_HALF_LIVES * halfLifeMs));
  const rows = await store.select<{ video_id: string; plays: unknown; score: unknown }>(
    sql`SELECT video_id, count() AS plays, sum(exp2(-(${p.f64(asOf)} - toFloat64(t)) / ${p.f64(halfLifeMs)})) AS score FROM (
        SELECT video_id, view_id, min(ts_ms) AS t FROM ${store.db}.rec_events
        WHERE type = 'user.video.played' AND ts_ms >= ${p.u64(since)} AND ts_ms <= ${p.u64(asOf)}
        GROUP BY video_id, view_id
      ) GROUP BY video_id ORDER BY score DESC, video_id ASC LIMIT ${p.u64(limit)}`,
  );
  return rows.map((r) => ({ video_id: r.video_id, plays: num(r.plays), score: num(r.score) }));
}
