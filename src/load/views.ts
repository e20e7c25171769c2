import { createCatalog, encodingEvent, type Title } from "./catalog.ts";
import { CDNS, COUNTRIES, DEVICES, ERRORS, STARTUP_BASE, type View } from "./view-mix.ts";
import { MinHeap } from "./heap.ts";
import { createRng, createZipf, intBetween, weighted, type Rng } from "./random.ts";

export interface TrafficOptions {
  /** Scopes every id (events, views, users, titles) to this run. `[A-Za-z0-9_-]`. */
  runId: string;
  seed: number;
  titles: number;
  /** Zipf exponent of title popularity. */
  zipf: number;
  /** Views playing at the same time (simulated). */
  viewers: number;
  /** Simulated milliseconds between heartbeats of a playing view. */
  heartbeatMs: number;
}

/** One generated event with what the ground truth needs to know about it. */
export interface GeneratedEvent {
  body: Record<string, unknown>;
  id: string;
  viewId: string;
  type: string;
  videoId: string;
  playedMs: number;
}

/**
 * The traffic model: `viewers` views play at once in simulated time, each a real lifecycle
 * (play_requested, played, heartbeats, pauses, seeks, rebuffers, failures, early exits,
 * completed or ended). `next()` returns the event due next in simulated time, so the sending
 * rate decides how compressed simulated time is. Timestamps are the wall clock at generation,
 * so events are always "now" for the query API. Deterministic for a given seed.
 *
 * @example
 * const gen = new TrafficGenerator({ runId: "r1", seed: 1, titles: 500, zipf: 1, viewers: 1000, heartbeatMs: 30_000 });
 * const catalog = gen.catalogEvents(Date.now());
 * const e = gen.next(Date.now());
 */
export class TrafficGenerator {
  readonly titles: Title[];
  private readonly rng: Rng;
  private readonly popularity: (rng: Rng) => number;
  private readonly userRank: (rng: Rng) => number;
  private readonly heap = new MinHeap<View>((v) => v.nextAt);
  private viewCount = 0;
  private clock = 0;
  private readonly experiment: string;
  private isoAt = Number.NaN;
  private iso = "";

  constructor(private readonly opts: TrafficOptions) {
    if (!/^[A-Za-z0-9_-]{1,40}$/.test(opts.runId))
      throw new Error(`runId must be 1-40 characters of A-Z a-z 0-9 _ -, got "${opts.runId}"`);
    this.rng = createRng(opts.seed);
    this.titles = createCatalog(opts.runId, opts.titles, this.rng);
    this.popularity = createZipf(opts.titles, opts.zipf);
    this.userRank = createZipf(Math.max(1, opts.viewers * 4), 0.6);
    this.experiment = `${opts.runId}.startup`;
    for (let i = 0; i < opts.viewers; i++) this.heap.push(this.newView(intBetween(this.rng, 0, opts.heartbeatMs)));
  }

  /** The simulated time of the last event, in ms since the start. */
  simulatedMs(): number {
    return this.clock;
  }

  /** Views started so far. */
  views(): number {
    return this.viewCount;
  }

  /** One `video.encoding.completed` per title: send these before any view. */
  catalogEvents(now: number): GeneratedEvent[] {
    return this.titles.map((t, rank) => {
      const body = encodingEvent(this.opts.runId, t, rank, now);
      return {
        body,
        id: String(body.id),
        viewId: `${this.opts.runId}.c`,
        type: "video.encoding.completed",
        videoId: t.id,
        playedMs: 0,
      };
    });
  }

  /**
   * A marker view for freshness sampling: one play_requested of a title of its own
   * (`<runId>.fresh<k>`), visible through the stats API as `views = 1` once stored.
   */
  markerEvent(k: number, now: number): GeneratedEvent {
    const viewId = `${this.opts.runId}.f${k}`;
    const videoId = `${this.opts.runId}.fresh${k}`;
    const id = `${viewId}.0`;
    const body = {
      id,
      type: "user.video.play_requested",
      schema_version: 1,
      timestamp: new Date(now).toISOString(),
      user_id: `${this.opts.runId}.probe`,
      view_id: viewId,
      video_id: videoId,
      position_ms: 0,
    };
    return { body, id, viewId, type: "user.video.play_requested", videoId, playedMs: 0 };
  }

  next(now: number): GeneratedEvent {
    for (;;) {
      const v = this.heap.pop();
      if (!v) throw new Error("traffic generator has no views");
      this.clock = Math.max(this.clock, v.nextAt);
      const e = this.step(v, now);
      if (v.state === "done") this.heap.push(this.newView(this.clock + intBetween(this.rng, 0, 5000)));
      else this.heap.push(v);
      if (e) return e;
    }
  }

  private newView(at: number): View {
    const rng = this.rng;
    const index = this.viewCount++;
    const title = this.titles[this.popularity(rng)] ?? this.titles[0];
    if (!title) throw new Error("empty catalog");
    const device = weighted(rng, DEVICES);
    const variant = rng() < 0.5 ? "control" : "fast-start";
    const base = STARTUP_BASE[device.type] ?? 800;
    const startup = Math.round(base * (variant === "fast-start" ? 0.75 : 1) * (0.5 + rng() * rng() * 3));
    const target =
      rng() < 0.35 ? Number.POSITIVE_INFINITY : Math.max(10_000, Math.round(title.durationMs * rng() ** 1.5));
    return {
      id: `${this.opts.runId}.v${index}`,
      user: `${this.opts.runId}.u${this.userRank(rng)}`,
      title,
      ctx: {
        device,
        country: weighted(rng, COUNTRIES),
        cdn: weighted(rng, CDNS),
        experiment: { id: this.experiment, variant },
      },
      seq: 0,
      nextAt: at,
      state: "start",
      position: 0,
      played: 0,
      rebuffer: 0,
      target,
      startup,
    };
  }

  /** `now` as an ISO timestamp, formatted once per millisecond (a batch's events share one `now`). */
  private isoOf(now: number): string {
    if (now !== this.isoAt) {
      this.isoAt = now;
      this.iso = new Date(now).toISOString();
    }
    return this.iso;
  }

  private emit(v: View, type: string, now: number, fields: Record<string, unknown>): GeneratedEvent {
    const id = `${v.id}.${v.seq++}`;
    const { ctx } = v;
    // One literal shape for every body, then the type's own fields: spreads gave each body a
    // dictionary of its own, which JSON.stringify walks more slowly.
    const body: Record<string, unknown> = {
      id,
      type,
      // Named, as the player SDK names it (src/sdk/player/tracker.ts).
      schema_version: 1,
      timestamp: this.isoOf(now),
      user_id: v.user,
      view_id: v.id,
      video_id: v.title.id,
      device: ctx.device,
      country: ctx.country,
      cdn: ctx.cdn,
      experiment: ctx.experiment,
    };
    Object.assign(body, fields);
    const playedMs = typeof fields.played_ms === "number" ? fields.played_ms : 0;
    return { body, id, viewId: v.id, type, videoId: v.title.id, playedMs };
  }

  private counters(v: View): Record<string, number> {
    return { position_ms: v.position, played_ms: v.played, rebuffer_ms: v.rebuffer };
  }

  /** Advances one view by one step; returns the event it emits (every step emits one). */
  private step(v: View, now: number): GeneratedEvent | undefined {
    const rng = this.rng;
    const hb = this.opts.heartbeatMs;
    switch (v.state) {
      case "start":
        if (rng() < 0.04) {
          v.state = "abandon";
          v.nextAt += intBetween(rng, 2000, 8000);
        } else {
          v.state = "starting";
          v.nextAt += v.startup;
        }
        return this.emit(v, "user.video.play_requested", now, { position_ms: 0, duration_ms: v.title.durationMs });
      case "abandon":
        v.state = "done";
        return this.emit(v, "user.video.ended", now, { position_ms: 0, played_ms: 0, rebuffer_ms: 0 });
      case "starting":
        v.state = "playing";
        v.nextAt += hb;
        return this.emit(v, "user.video.played", now, { position_ms: 0, startup_ms: v.startup });
      case "paused":
        v.state = "playing";
        v.nextAt += hb;
        return this.emit(v, "user.video.resumed", now, { position_ms: v.position });
      case "completing":
        v.state = "ending";
        v.nextAt += 1000;
        return this.emit(v, "user.video.completed", now, this.counters(v));
      case "ending":
        v.state = "done";
        return this.emit(v, "user.video.ended", now, this.counters(v));
      case "done":
        return undefined;
      case "playing":
        return this.playing(v, now, hb);
    }
  }

  private playing(v: View, now: number, hb: number): GeneratedEvent {
    const rng = this.rng;
    const r = rng();
    if (r < 0.004) {
      v.state = "done";
      return this.emit(v, "user.video.failed", now, {
        position_ms: v.position,
        error_code: ERRORS[intBetween(rng, 0, ERRORS.length - 1)],
        fatal: true,
      });
    }
    if (r < 0.012) {
      v.nextAt += 1000;
      return this.emit(v, "user.video.failed", now, {
        position_ms: v.position,
        error_code: ERRORS[intBetween(rng, 0, ERRORS.length - 1)],
        fatal: false,
      });
    }
    if (r < 0.04) {
      v.state = "paused";
      v.nextAt += intBetween(rng, 5000, 180_000);
      return this.emit(v, "user.video.paused", now, { position_ms: v.position });
    }
    if (r < 0.07) {
      const from = v.position;
      const to = Math.min(v.title.durationMs, Math.max(0, from + intBetween(rng, -120_000, 300_000)));
      v.position = to;
      v.nextAt += 500;
      return this.emit(v, "user.video.seeked", now, { position_ms: to, from_ms: from, to_ms: to });
    }
    const advance = Math.max(0, Math.min(hb, v.title.durationMs - v.position, v.target - v.played));
    v.played += advance;
    v.position += advance;
    const stall = rng() < 0.1 ? intBetween(rng, 200, 4000) : 0;
    v.rebuffer += stall;
    v.nextAt += hb + stall;
    if (v.position >= v.title.durationMs) v.state = "completing";
    else if (v.played >= v.target) v.state = "ending";
    const props = {
      bitrate_kbps: [1800, 3500, 6000, 12_000][intBetween(rng, 0, 3)] ?? 3500,
      dropped_frames: stall > 0 ? intBetween(rng, 1, 40) : 0,
    };
    return this.emit(v, "user.video.heartbeat", now, { ...this.counters(v), properties: props });
  }
}
