import type { GeneratedEvent } from "./views.ts";

/** What the generator knows about one view from the events the edge accepted. */
interface ViewTruth {
  videoId: string;
  requested: boolean;
  played: boolean;
  completed: boolean;
  maxPlayedMs: number;
  /** Client timestamps (ms) of the accepted events: the earliest play_requested, the earliest and latest of any type. */
  requestedAt: number | undefined;
  firstAt: number;
  lastAt: number;
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

/**
 * How far the query API lets a view's played time run ahead of its wall clock (docs/metrics.md,
 * "Plausibility"): written out here, not imported, so the truth stays independent of the code it checks.
 */
const PLAUSIBILITY_SLACK_MS = 60_000;

/**
 * A view's played time as the query API counts it: its largest reported `played_ms`, bounded by
 * the time from its `play_requested` to its latest event (or, without a `play_requested`, by the
 * span of its events) plus the slack. The generator's simulated clock runs faster than the wall
 * clock its events are dated by, so this bound is usually what the API reports for a long view.
 */
function servedPlayedMs(v: ViewTruth): number {
  const clock = v.requestedAt === undefined ? v.lastAt - v.firstAt : Math.max(v.lastAt, v.requestedAt) - v.requestedAt;
  return Math.min(v.maxPlayedMs, clock + PLAUSIBILITY_SLACK_MS);
}

/** The event's client timestamp in ms (as stored in `ts_ms`). */
function timestampOf(e: GeneratedEvent): number {
  const t = typeof e.body.timestamp === "string" ? Date.parse(e.body.timestamp) : Number.NaN;
  if (Number.isNaN(t)) throw new Error(`generated event without a timestamp: ${e.id}`);
  return t;
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
        requestedAt: undefined,
        firstAt: Number.POSITIVE_INFINITY,
        lastAt: Number.NEGATIVE_INFINITY,
        accepted: new Set(),
      };
      this.views.set(e.viewId, v);
    }
    if (v.accepted.has(parts.seq)) return;
    v.accepted.add(parts.seq);
    this.playEvents++;
    const at = timestampOf(e);
    v.firstAt = Math.min(v.firstAt, at);
    v.lastAt = Math.max(v.lastAt, at);
    if (e.type === "user.video.play_requested") {
      v.requested = true;
      v.requestedAt = Math.min(v.requestedAt ?? at, at);
    } else if (e.type === "user.video.played") v.played = true;
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

  /**
   * Per-title totals. `stored`: watch time as the sum of each view's largest `played_ms`, the raw
   * maxima in ClickHouse. `served`: as the query API serves it, each view's played time bounded by
   * its wall clock (docs/metrics.md, "Plausibility").
   */
  titles(as: "stored" | "served" = "stored"): Map<string, TitleTotals> {
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
      t.watch_time_ms += as === "served" ? servedPlayedMs(v) : v.maxPlayedMs;
    }
    return out;
  }
}
