/**
 * The Video Spec carries no cumulative played or stall time; these are derived per view (one
 * `session_id`) from the events the spec does carry. The derivation is a pure function of the SET of
 * a view's events: sorted by timestamp (ties by arrival order), so a retried, repeated or late
 * batch gives the same answer as the ordered stream. The formulas are in docs/integrations/segment.md.
 */

/** The Video Spec events that take part in a view's timeline. */
export const SPEC_KINDS = [
  "playback_started",
  "content_started",
  "content_playing",
  "paused",
  "resumed",
  "seek_started",
  "seek_completed",
  "buffer_started",
  "buffer_completed",
  "content_completed",
  "playback_completed",
  "interrupted",
  "exited",
  "error",
] as const;
export type SpecKind = (typeof SPEC_KINDS)[number];

/** One Video Spec event of a view, as much as the derivation needs. Kept in the view's state. */
export interface ViewRecord {
  /** Our event id (from the Segment messageId). */
  id: string;
  kind: SpecKind;
  /** Event time, epoch ms (the Segment `timestamp`). */
  t: number;
  /** Playhead (`position`, seconds → ms), when the event carried one. */
  p?: number | undefined;
  /** `seek_position` in ms: where a seek lands (on Seek Completed). */
  sp?: number | undefined;
  /** Error events: whether the error stopped playback. */
  f?: boolean | undefined;
}

/** The cumulative figures of a view up to and including one of its events. */
export interface Derived {
  /** Content time played: position progress while playing, each step bounded by wall-clock time. */
  played_ms: number;
  /** Time between Buffer Started and Buffer Completed after the first content frame. */
  stall_ms: number;
  /** Playback Started → the first Content Started / Content Playing; undefined without both. */
  startup_ms: number | undefined;
  /** True for the view's first content event when the view has a Playback Started before it. */
  first_play: boolean;
  /** The playhead after the event (the last one reported, when the event carried none). */
  position_ms: number;
  /** For a Seek Completed: the playhead when the seek started. */
  seek_from_ms: number | undefined;
}

interface Walk {
  started: number | undefined;
  firstContent: ViewRecord | undefined;
  inContent: boolean;
  paused: boolean;
  seeking: boolean;
  buffering: boolean;
  pos: number | undefined;
  seekFrom: number | undefined;
  /** Wall-clock time spent playing: played time never exceeds it. */
  playingWall: number;
  played: number;
  stall: number;
}

const RANK = new Map<SpecKind, number>(SPEC_KINDS.map((k, i) => [k, i]));
const rank = (r: ViewRecord) => RANK.get(r.kind) ?? 0;

/** Sorted by time, ties by the lifecycle order of SPEC_KINDS, then by id: the order the derivation walks, whatever the arrival order. */
export function timeline(records: readonly ViewRecord[]): ViewRecord[] {
  return [...records].sort((a, b) => a.t - b.t || rank(a) - rank(b) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

const playing = (w: Walk) => w.inContent && !w.paused && !w.seeking && !w.buffering;

/** The playhead an event leaves behind: a completed seek lands on its `seek_position`. */
const landing = (r: ViewRecord): number | undefined => (r.kind === "seek_completed" ? (r.sp ?? r.p) : r.p);

/** Adds the interval from the previous event to `r`, under the state the previous event left. */
function account(w: Walk, prevT: number, r: ViewRecord): void {
  const wall = r.t - prevT;
  if (playing(w)) {
    w.playingWall += wall;
    // Position progress, bounded by the playing wall-clock time not yet counted: a jump ahead
    // without a seek counts only the time that passed, and a rounded position loses nothing.
    if (w.pos !== undefined && r.p !== undefined)
      w.played += Math.min(Math.max(0, r.p - w.pos), w.playingWall - w.played);
  }
  if (w.buffering && w.firstContent !== undefined) w.stall += wall;
}

/** The state after `r`. */
function apply(w: Walk, r: ViewRecord): void {
  switch (r.kind) {
    case "playback_started":
      w.started ??= r.t;
      break;
    case "content_started":
    case "content_playing":
      // A content event (a heartbeat) fires while content plays: it ends a pause, seek or buffer
      // whose end was not reported.
      w.firstContent ??= r;
      w.inContent = true;
      w.paused = w.seeking = w.buffering = false;
      break;
    case "paused":
      w.paused = true;
      break;
    case "resumed":
      w.paused = false;
      break;
    case "seek_started":
      w.seeking = true;
      w.seekFrom = r.p ?? w.pos;
      break;
    case "seek_completed":
      w.seeking = false;
      break;
    case "buffer_started":
      w.buffering = true;
      break;
    case "buffer_completed":
      w.buffering = false;
      break;
    case "content_completed":
      w.inContent = false;
      break;
    case "error":
      if (r.f === false) break;
      w.inContent = w.buffering = false;
      break;
    case "playback_completed":
    case "interrupted":
    case "exited":
      w.inContent = w.buffering = false;
      break;
  }
  const at = landing(r);
  if (at !== undefined) w.pos = at;
}

/**
 * The cumulative played, stall and startup time of a view after each of its events, keyed by event
 * id. Pure; the same set of events in any order gives the same answer.
 *
 * @example
 * const d = deriveView(records).get("m-7"); // { played_ms: 20000, stall_ms: 1500, startup_ms: 800, first_play: false }
 */
export function deriveView(records: readonly ViewRecord[]): Map<string, Derived> {
  const w: Walk = {
    started: undefined,
    firstContent: undefined,
    inContent: false,
    paused: false,
    seeking: false,
    buffering: false,
    pos: undefined,
    seekFrom: undefined,
    playingWall: 0,
    played: 0,
    stall: 0,
  };
  const out = new Map<string, Derived>();
  let prevT: number | undefined;
  for (const r of timeline(records)) {
    if (prevT !== undefined) account(w, prevT, r);
    apply(w, r);
    prevT = r.t;
    const startup =
      w.started !== undefined && w.firstContent !== undefined && w.firstContent.t >= w.started
        ? w.firstContent.t - w.started
        : undefined;
    out.set(r.id, {
      played_ms: Math.round(w.played),
      stall_ms: Math.round(w.stall),
      startup_ms: startup,
      first_play: startup !== undefined && w.firstContent === r,
      position_ms: Math.round(w.pos ?? 0),
      seek_from_ms: r.kind === "seek_completed" ? w.seekFrom : undefined,
    });
  }
  return out;
}
