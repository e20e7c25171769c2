import type { GeneratedEvent } from "./views.ts";

/** What the generator knows about one view from the events the edge accepted. */
interface ViewTruth {
  videoId: string;
  requested: boolean;
  played: boolean;
  completed: boolean;
  maxPlayedMs: number;
  /** Sequence numbers (the last id component) of accepted events. */
  accepted: Set<number>;
}

/** Per-title aggregates, defined as the query API defines them (docs/metrics.md). */
export interface TitleTotals {
  views: number;
  plays: number;
  completions: number;
  watch_time_ms: number;
}

/** Splits `<viewId>.<seq>`; undefined for ids not of this shape. */
export function splitId(id: string): { viewId: string; seq: number } | undefined {
  const dot = id.lastIndexOf(".");
  if (dot <= 0) return undefined;
  const seq = Number(id.slice(dot + 1));
  if (!Number.isSafeInteger(seq) || seq < 0) return undefined;
  return { viewId: id.slice(0, dot), seq };
}

/**
 * The ground truth of a run: every event the edge answered `accepted` or `duplicate` for,
 * kept compactly per view (sequence numbers, not id strings), and the aggregates those
 * events imply.
 */
export class GroundTruth {
  private readonly views = new Map<string, ViewTruth>();
  private readonly catalog = new Set<string>();
  private playEvents = 0;

  /** Records an event JetStream stored (or recognised as already stored). */
  accept(e: GeneratedEvent): void {
    if (e.type === "video.encoding.completed") {
      this.catalog.add(e.id);
      return;
    }
    const parts = splitId(e.id);
    if (!parts) throw new Error(`generated id without a sequence: ${e.id}`);
    let v = this.views.get(e.viewId);
    if (!v) {
      v = {
        videoId: e.videoId,
        requested: false,
        played: false,
        completed: false,
        maxPlayedMs: 0,
        accepted: new Set(),
      };
      this.views.set(e.viewId, v);
    }
    if (v.accepted.has(parts.seq)) return;
    v.accepted.add(parts.seq);
    this.playEvents++;
    if (e.type === "user.video.play_requested") v.requested = true;
    else if (e.type === "user.video.played") v.played = true;
    else if (e.type === "user.video.completed") v.completed = true;
    v.maxPlayedMs = Math.max(v.maxPlayedMs, e.playedMs);
  }

  /** Distinct accepted `user.video.*` events. */
  playEventCount(): number {
    return this.playEvents;
  }

  catalogIds(): ReadonlySet<string> {
    return this.catalog;
  }

  hasPlayEvent(id: string): boolean {
    const parts = splitId(id);
    return parts !== undefined && (this.views.get(parts.viewId)?.accepted.has(parts.seq) ?? false);
  }

  *playEventIds(): Generator<string> {
    for (const [viewId, v] of this.views) for (const seq of v.accepted) yield `${viewId}.${seq}`;
  }

  titles(): Map<string, TitleTotals> {
    const out = new Map<string, TitleTotals>();
    for (const v of this.views.values()) {
      let t = out.get(v.videoId);
      if (!t) {
        t = { views: 0, plays: 0, completions: 0, watch_time_ms: 0 };
        out.set(v.videoId, t);
      }
      if (v.requested) t.views++;
      if (v.played) t.plays++;
      if (v.completed) t.completions++;
      t.watch_time_ms += v.maxPlayedMs;
    }
    return out;
  }
}
