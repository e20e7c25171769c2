import { num, p, sql, type Ident, type Sql, type Store } from "../store/index.ts";
import { lookupTitles, type Title } from "./catalog.ts";
import { demotionsFor } from "./demotions.ts";
import { trendingScores } from "./trending.ts";
import type { Recommendation } from "./answers.ts";

export type { Recommendation } from "./answers.ts";
export type Reason = Recommendation["reason"];

/** A title counts as watched by a user once a view reached 30 s of play or completed. */
export const WATCHED_MS = 30_000;

/** (user_id, video_id) pairs where the user watched the title. */
function watchedSql(db: Ident, where: Sql = sql`1`): Sql {
  return sql`SELECT user_id, video_id FROM ${db}.rec_events WHERE ${where} GROUP BY user_id, video_id
    HAVING max(played_ms) >= ${p.u64(WATCHED_MS)} OR max(type = 'user.video.completed') = 1`;
}

interface UserTitle {
  video_id: string;
  max_played: number;
  completed: boolean;
  last_position: number;
  last_ts: number;
}

async function userTitles(store: Store, userId: string): Promise<UserTitle[]> {
  const rows = await store.select<Record<string, unknown> & { video_id: string }>(
    sql`SELECT video_id, max(played_ms) AS max_played, max(type = 'user.video.completed') AS completed,
        argMax(position_ms, ts_ms) AS last_position, max(ts_ms) AS last_ts
      FROM ${store.db}.rec_events WHERE user_id = ${p.str(userId)} GROUP BY video_id`,
  );
  return rows.map((r) => ({
    video_id: r.video_id,
    max_played: num(r.max_played),
    completed: num(r.completed) === 1,
    last_position: num(r.last_position),
    last_ts: num(r.last_ts),
  }));
}

export interface Similar {
  video_id: string;
  score: number;
  because: string;
}

/**
 * Item-item cosine similarity over co-watch counts: sim(A, B) = users(A ∧ B) / √(users(A) · users(B)).
 * A candidate's score is its best similarity to any title the user watched; `because` is that title
 * (ties: the smaller id). Titles the user already watched are not candidates (they belong to
 * continue_watching or are done). Pure, for tests.
 */
export function cosineCandidates(
  watchedByUser: ReadonlySet<string>,
  pairs: readonly { user_id: string; video_id: string }[],
  counts: ReadonlyMap<string, number>,
): Similar[] {
  const byUser = new Map<string, string[]>();
  for (const { user_id, video_id } of pairs) byUser.set(user_id, [...(byUser.get(user_id) ?? []), video_id]);
  const co = new Map<string, Map<string, number>>(); // candidate -> source -> count
  for (const titles of byUser.values()) {
    const sources = titles.filter((t) => watchedByUser.has(t));
    if (sources.length === 0) continue;
    for (const b of titles) {
      if (watchedByUser.has(b)) continue;
      for (const a of sources) {
        if (a === b) continue;
        const m = co.get(b) ?? new Map<string, number>();
        m.set(a, (m.get(a) ?? 0) + 1);
        co.set(b, m);
      }
    }
  }
  const out: Similar[] = [];
  for (const [b, sources] of co) {
    let best: Similar | undefined;
    for (const [a, c] of [...sources].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))) {
      const score = c / Math.sqrt((counts.get(a) ?? c) * (counts.get(b) ?? c));
      if (!best || score > best.score) best = { video_id: b, score, because: a };
    }
    if (best) out.push(best);
  }
  return out.sort((x, y) => y.score - x.score || (x.video_id < y.video_id ? -1 : x.video_id > y.video_id ? 1 : 0));
}

async function coWatch(store: Store, watched: readonly string[]): Promise<Similar[]> {
  if (watched.length === 0) return [];
  const db = store.db;
  const pairs = await store.select<{ user_id: string; video_id: string }>(
    sql`SELECT user_id, video_id FROM (${watchedSql(db)})
      WHERE user_id IN (SELECT user_id FROM (${watchedSql(db, sql`has(${p.strs(watched)}, video_id)`)}))`,
  );
  const titles = [...new Set(pairs.map((x) => x.video_id))];
  const countRows =
    titles.length === 0
      ? []
      : await store.select<{ video_id: string; users: unknown }>(
          sql`SELECT video_id, count() AS users FROM (${watchedSql(db, sql`has(${p.strs(titles)}, video_id)`)}) GROUP BY video_id`,
        );
  const counts = new Map(countRows.map((r) => [r.video_id, num(r.users)] as const));
  return cosineCandidates(new Set(watched), pairs, counts);
}

export interface RecommendOptions {
  limit: number;
  asOf: number;
  halfLifeHours: number;
}

/**
 * Three rows, merged in order and de-duplicated, catalog titles only:
 * continue_watching (last position within 5-95 % of the duration, not completed, most recent first),
 * because_you_watched (cosine co-watch similarity; titles the user watched or completed left out), then trending.
 * Titles with an alert firing where the user watches (docs/alerts.md#demotion) go below all the
 * others, in the same order, each with its `demoted` reason.
 */
export async function recommend(store: Store, userId: string, opts: RecommendOptions): Promise<Recommendation[]> {
  const [ranked, demoted] = await Promise.all([ranking(store, userId, opts), demotionsFor(store, userId)]);
  const kept = ranked.filter((r) => !demoted.has(r.video_id));
  const moved = ranked.flatMap((r) => {
    const why = demoted.get(r.video_id);
    return why ? [{ ...r, demoted: why } satisfies Recommendation] : [];
  });
  return [...kept, ...moved].slice(0, opts.limit);
}

/** The three rows merged, before demotion and without a limit. */
async function ranking(store: Store, userId: string, opts: RecommendOptions): Promise<Recommendation[]> {
  const mine = await userTitles(store, userId);
  const completed = new Set(mine.filter((t) => t.completed).map((t) => t.video_id));
  const watched = mine.filter((t) => t.completed || t.max_played >= WATCHED_MS).map((t) => t.video_id);
  const [similar, trending] = await Promise.all([
    coWatch(store, watched),
    trendingScores(store, opts.asOf, opts.halfLifeHours, 200),
  ]);
  const catalog = await lookupTitles(store, [
    ...mine.map((t) => t.video_id),
    ...similar.map((s) => s.video_id),
    ...trending.map((t) => t.video_id),
  ]);

  const items: Recommendation[] = [];
  const taken = new Set<string>();
  const add = (item: Recommendation) => {
    if (taken.has(item.video_id) || completed.has(item.video_id)) return;
    taken.add(item.video_id);
    items.push(item);
  };
  const title = (id: string): Title | undefined => catalog.get(id);

  const resumable = mine
    .filter((t) => {
      const d = title(t.video_id)?.duration_ms ?? 0;
      return d > 0 && !t.completed && t.last_position >= 0.05 * d && t.last_position <= 0.95 * d;
    })
    .sort((a, b) => b.last_ts - a.last_ts || (a.video_id < b.video_id ? -1 : 1));
  for (const t of resumable) {
    const c = title(t.video_id);
    if (c)
      add({
        video_id: t.video_id,
        title: c.title,
        score: t.last_position / c.duration_ms,
        reason: "continue_watching",
      });
  }
  for (const s of similar) {
    const c = title(s.video_id);
    const src = title(s.because);
    if (c)
      add({
        video_id: s.video_id,
        title: c.title,
        score: s.score,
        reason: "because_you_watched",
        because: { video_id: s.because, title: src?.title ?? s.because },
      });
  }
  for (const t of trending) {
    const c = title(t.video_id);
    if (c) add({ video_id: t.video_id, title: c.title, score: t.score, reason: "trending" });
  }
  return items;
}
