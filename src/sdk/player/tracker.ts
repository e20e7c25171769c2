import type { VideoEvent, VideoEventType } from "../../events/types.ts";
import { pageDevice } from "./device.ts";
import { uuidv7 } from "./ids.ts";
import type { Transport } from "./transport.ts";
import type { AttachOptions } from "./types.ts";

/** The part of HTMLVideoElement the tracker reads. */
export interface MediaLike {
  currentTime: number;
  duration: number;
  seeking: boolean;
  ended: boolean;
  error: { code: number } | null;
  addEventListener(type: string, fn: () => void): void;
  removeEventListener(type: string, fn: () => void): void;
}

export interface Clock {
  /** Monotonic milliseconds (performance.now). */
  now: () => number;
  /** Wall clock for event timestamps. */
  date: () => Date;
  setInterval: (fn: () => void, ms: number) => unknown;
  clearInterval: (handle: unknown) => void;
}

/** One playback attempt. */
interface View {
  id: string;
  requestedAt: number;
  firstFrame: boolean;
  playedMs: number;
  rebufferMs: number;
  /** The playhead at the last sample while playing; null while not accumulating. */
  lastPos: number | null;
  /** The playhead last seen outside a seek: where a seek starts from. */
  lastSeen: number;
  stallSince: number | null;
  paused: boolean;
  completed: boolean;
  seekFrom: number | null;
  heartbeat: unknown;
}

/** The largest playhead step between two samples counted as played (a larger one is a jump). */
const MAX_STEP_MS = 3000;

/** What the media handlers drive: the current view and the steps that update and report it. */
interface Playback {
  view(): View | null;
  /** The playhead in whole milliseconds. */
  pos(): number;
  open(): void;
  close(): void;
  emit(type: VideoEventType, extra?: Partial<VideoEvent>): void;
  sample(): void;
  stopStall(): void;
  totals(): { played_ms: number; rebuffer_ms: number };
}

/** One handler per media event, turning what the element does into the view's events. */
function mediaHandlers(p: Playback, media: MediaLike, transport: Transport, clock: Clock): Record<string, () => void> {
  return {
    play: () => {
      if (p.view()?.completed) {
        p.close();
        transport.flush();
      }
      const view = p.view();
      if (!view) return p.open();
      if (view.paused) {
        view.paused = false;
        p.emit("user.video.resumed");
      }
    },
    playing: () => {
      const view = p.view();
      if (!view) return;
      p.stopStall();
      if (!view.firstFrame) {
        view.firstFrame = true;
        p.emit("user.video.played", { startup_ms: Math.max(1, Math.round(clock.now() - view.requestedAt)) });
        transport.flush();
      }
      view.lastPos = p.pos();
    },
    timeupdate: () => p.sample(),
    waiting: () => {
      const view = p.view();
      if (!view?.firstFrame || media.seeking || view.stallSince !== null) return;
      p.sample();
      view.stallSince = clock.now();
    },
    pause: () => {
      const view = p.view();
      if (!view || media.ended) return;
      p.sample();
      p.stopStall();
      view.lastPos = null;
      view.paused = true;
      p.emit("user.video.paused");
    },
    seeking: () => {
      const view = p.view();
      if (!view) return;
      p.stopStall();
      if (view.seekFrom === null) view.seekFrom = view.lastPos ?? view.lastSeen;
      view.lastPos = null;
    },
    seeked: () => {
      const view = p.view();
      if (!view || view.seekFrom === null) return;
      const from = view.seekFrom;
      view.seekFrom = null;
      p.emit("user.video.seeked", { from_ms: from, to_ms: p.pos() });
      view.lastSeen = p.pos();
      if (!view.paused) view.lastPos = p.pos();
    },
    ended: () => {
      const view = p.view();
      if (!view || view.completed) return;
      p.sample();
      p.stopStall();
      view.lastPos = null;
      view.completed = true;
      p.emit("user.video.completed", p.totals());
      transport.flush();
    },
    error: () => {
      if (!p.view()) p.open();
      p.emit("user.video.failed", { error_code: String(media.error?.code ?? 0), fatal: true });
      transport.flush();
    },
    emptied: () => {
      if (!p.view()) return;
      p.close();
      transport.flush();
    },
  };
}

/** A new view, requested now, at the playhead `pos`. */
function newView(requestedAt: number, pos: number, heartbeat: unknown): View {
  return {
    id: uuidv7(),
    requestedAt,
    firstFrame: false,
    playedMs: 0,
    rebufferMs: 0,
    lastPos: null,
    lastSeen: pos,
    stallSince: null,
    paused: false,
    completed: false,
    seekFrom: null,
    heartbeat,
  };
}

/**
 * Follows one media element and turns what it really does into v1 events:
 * `played_ms` is media time actually played (playhead advance while playing, seeks excluded),
 * `rebuffer_ms` the time spent waiting for data after the first frame (seeks excluded).
 */
export function createTracker(media: MediaLike, opts: AttachOptions, transport: Transport, clock: Clock) {
  const device = pageDevice(opts.player ?? "html5");
  const heartbeatMs = Math.max(1000, opts.heartbeatIntervalMs ?? 10_000);
  let view: View | null = null;

  const pos = () => Math.max(0, Math.round((Number.isFinite(media.currentTime) ? media.currentTime : 0) * 1000));

  function emit(type: VideoEventType, extra: Partial<VideoEvent> = {}): void {
    if (!view) return;
    const event: VideoEvent = {
      id: uuidv7(),
      type,
      timestamp: clock.date().toISOString(),
      schema_version: 1,
      user_id: opts.userId,
      view_id: view.id,
      video_id: opts.videoId,
      position_ms: pos(),
      device,
      ...(opts.cdn ? { cdn: opts.cdn } : {}),
      ...(opts.experiment ? { experiment: opts.experiment } : {}),
      ...(opts.properties ? { properties: opts.properties } : {}),
      ...extra,
    };
    transport.push(event);
  }

  /** Adds the playhead advance since the last sample, and the current stall, to the view's totals. */
  function sample(): void {
    if (!view) return;
    const now = pos();
    if (!media.seeking) view.lastSeen = now;
    if (view.lastPos !== null && !media.seeking) {
      const step = now - view.lastPos;
      if (step > 0 && step <= MAX_STEP_MS) view.playedMs += step;
    }
    if (view.lastPos !== null) view.lastPos = now;
    if (view.stallSince !== null) {
      const t = clock.now();
      view.rebufferMs += t - view.stallSince;
      view.stallSince = t;
    }
  }

  const totals = () => {
    sample();
    return { played_ms: Math.round(view?.playedMs ?? 0), rebuffer_ms: Math.round(view?.rebufferMs ?? 0) };
  };

  function open(): void {
    view = newView(
      clock.now(),
      pos(),
      clock.setInterval(() => emit("user.video.heartbeat", totals()), heartbeatMs),
    );
    const duration = Number.isFinite(media.duration) ? Math.round(media.duration * 1000) : undefined;
    emit("user.video.play_requested", duration !== undefined ? { duration_ms: duration } : {});
  }

  /** Closes the view with `ended`; the caller sends it (beacon). */
  function close(): void {
    if (!view) return;
    emit("user.video.ended", totals());
    clock.clearInterval(view.heartbeat);
    view = null;
  }

  const stopStall = () => {
    if (view?.stallSince === null || !view) return;
    sample();
    view.stallSince = null;
  };

  const playback: Playback = { view: () => view, pos, open, close, emit, sample, stopStall, totals };
  return { handlers: mediaHandlers(playback, media, transport, clock), close, viewId: () => view?.id ?? null };
}
