import { num, p, sql, type Store } from "../store/index.ts";

export interface Title {
  video_id: string;
  title: string;
  duration_ms: number;
  genres: string[];
}

/** Latest catalog entry of each id (newest encoding event wins, whatever the arrival order). */
export async function lookupTitles(store: Store, ids: readonly string[]): Promise<Map<string, Title>> {
  const out = new Map<string, Title>();
  if (ids.length === 0) return out;
  const rows = await store.select<{ video_id: string; title: string; duration_ms: unknown; genres: string[] }>(
    sql`SELECT video_id, argMax(title, version) AS title, argMax(duration_ms, version) AS duration_ms, argMax(genres, version) AS genres
      FROM ${store.db}.catalog WHERE has(${p.strs([...new Set(ids)])}, video_id) GROUP BY video_id`,
  );
  for (const r of rows)
    out.set(r.video_id, { video_id: r.video_id, title: r.title, duration_ms: num(r.duration_ms), genres: r.genres });
  return out;
}
