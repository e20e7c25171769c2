import { intBetween, pick, weighted, type Rng } from "./random.ts";

/** A title of the generated catalog. Rank 0 is the most popular. */
export interface Title {
  id: string;
  title: string;
  durationMs: number;
  genres: string[];
}

const GENRES = [
  "drama",
  "comedy",
  "documentary",
  "thriller",
  "animation",
  "crime",
  "sci-fi",
  "romance",
  "family",
  "sport",
  "news",
  "music",
];
const WORDS = [
  "Night",
  "River",
  "Glass",
  "Harbor",
  "Signal",
  "Ember",
  "North",
  "Quiet",
  "Orbit",
  "Summer",
  "Static",
  "Echo",
  "Atlas",
  "Velvet",
];

/** Shorts, episodes and films, in the proportions of a general streaming catalog. */
const LENGTHS: readonly (readonly [readonly [number, number], number])[] = [
  [[2, 10], 0.3],
  [[20, 55], 0.5],
  [[80, 150], 0.2],
];

/**
 * `n` titles with ids scoped to the run (`<runId>.t<rank>`), so that the ground truth of one
 * run is never mixed with another's rows.
 */
export function createCatalog(runId: string, n: number, rng: Rng): Title[] {
  const titles: Title[] = [];
  for (let rank = 0; rank < n; rank++) {
    const [lo, hi] = weighted(rng, LENGTHS);
    const minutes = intBetween(rng, lo, hi);
    const genres = [...new Set([pick(rng, GENRES), pick(rng, GENRES)])].slice(0, intBetween(rng, 1, 2));
    titles.push({
      id: `${runId}.t${rank}`,
      title: `${pick(rng, WORDS)} ${pick(rng, WORDS)} ${rank}`,
      durationMs: minutes * 60_000 + intBetween(rng, 0, 59) * 1000,
      genres,
    });
  }
  return titles;
}

/** The `video.encoding.completed` event announcing a title; sent before any view of it. */
export function encodingEvent(runId: string, t: Title, rank: number, now: number): Record<string, unknown> {
  return {
    id: `${runId}.c.${rank}`,
    type: "video.encoding.completed",
    timestamp: new Date(now).toISOString(),
    video_id: t.id,
    title: t.title,
    duration_ms: t.durationMs,
    genres: t.genres,
  };
}
