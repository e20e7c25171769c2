import { p, sql, type Store } from "../store/index.ts";

/** Why a title is at the bottom of a user's recommendations: an alert firing for it where the user watches. */
export interface Demoted {
  rule_id: string;
  /** `cdn`, `country`, or "everywhere" when the title fails for every viewer. */
  where: string;
  reason: string;
}

/** Where a user watches from: the cdn and country of their latest event that names one. */
export interface ViewerPlace {
  cdn: string;
  country: string;
}

interface FiringRow {
  rule_id: string;
  video_id: string;
  dimension: string;
  value: string;
}

/**
 * The titles to demote for a user, each with why (docs/alerts.md#demotion): every alert firing
 * now (the latest state per key in `rec_demotions`) for a title everywhere, or on the user's
 * CDN or in the user's country. Another dimension (device, …) does not say where a user is: it
 * demotes nothing.
 *
 * @example
 * const demoted = await demotionsFor(store, "u1"); // Map { "m1" => { rule_id, where: "cdn edge-b", reason } }
 */
export async function demotionsFor(store: Store, userId: string): Promise<Map<string, Demoted>> {
  const db = store.db;
  const [place, firing] = await Promise.all([
    store.select<ViewerPlace>(
      sql`SELECT argMaxIf(cdn, ts_ms, cdn != '') AS cdn, argMaxIf(country, ts_ms, country != '') AS country
        FROM ${db}.rec_events WHERE user_id = ${p.str(userId)}`,
    ),
    store.select<FiringRow>(
      sql`SELECT rule_id, video_id, dimension, value FROM (
          SELECT rule_id, video_id, dimension, value, argMax(state, changed_ms) AS state
          FROM ${db}.rec_demotions GROUP BY rule_id, video_id, dimension, value
        ) WHERE state = 'firing' ORDER BY video_id, rule_id, dimension, value`,
    ),
  ]);
  return demotedTitles(place[0] ?? { cdn: "", country: "" }, firing);
}

const PHRASE: Record<string, (value: string) => string> = {
  cdn: (v) => `on your CDN ${v}`,
  country: (v) => `in your country ${v}`,
};

/** The pure part of `demotionsFor`: which firing alerts reach a viewer at `place`; the first per title wins. */
export function demotedTitles(place: ViewerPlace, firing: readonly FiringRow[]): Map<string, Demoted> {
  const out = new Map<string, Demoted>();
  for (const f of firing) {
    if (out.has(f.video_id)) continue;
    const here =
      f.dimension === "" ||
      (f.dimension === "cdn" && f.value !== "" && f.value === place.cdn) ||
      (f.dimension === "country" && f.value !== "" && f.value === place.country);
    if (!here) continue;
    const where = f.dimension === "" ? "everywhere" : `${f.dimension} ${f.value}`;
    out.set(f.video_id, {
      rule_id: f.rule_id,
      where,
      reason: `alert ${f.rule_id} is firing for this title ${PHRASE[f.dimension]?.(f.value) ?? "everywhere"}`,
    });
  }
  return out;
}
