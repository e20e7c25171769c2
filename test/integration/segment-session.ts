/**
 * A scripted player session that emits Segment Video Spec events and keeps its own truth: the wall
 * clock and the playhead are simulated exactly, so startup, played time and stall time are known to
 * the millisecond. The unit test of the derivation and the SDK integration tests share it.
 */

export type Step =
  | { play: number } // seconds of content at 1x
  | { pause: number } // ms
  | { buffer: number } // ms of stall, playhead still
  | { seek: number; ms: number } // to this content second, taking ms
  | { complete: true } // Content Completed + Playback Completed at the playhead
  | { exit: true }; // Playback Exited at the playhead

export interface SpecEvent {
  event: string;
  timestamp: Date;
  messageId: string;
  properties: Record<string, string | number>;
}

export interface SessionTruth {
  startup_ms: number;
  played_ms: number;
  stall_ms: number;
  completed: boolean;
}

export interface SessionOptions {
  sessionId: string;
  assetId: string;
  /** Wall-clock time of the press on play. */
  start: Date;
  /** Seconds of content in the title. */
  totalLength: number;
  /** Press → first frame. */
  startupMs: number;
  steps: readonly Step[];
  /** How the player reports `position`: exact, or floored to whole seconds (many players do). */
  rounding?: "exact" | "floor";
  heartbeatMs?: number;
}

/**
 * The session's events and truth.
 *
 * @example
 * const { events, truth } = scriptedSession({ sessionId: "s1", assetId: "a1", start, totalLength: 150, startupMs: 800, steps: [{ play: 150 }, { complete: true }] });
 */
export function scriptedSession(o: SessionOptions): { events: SpecEvent[]; truth: SessionTruth } {
  const beat = o.heartbeatMs ?? 10_000;
  const events: SpecEvent[] = [];
  let wall = 0; // ms since start
  let pos = 0; // content ms
  let sinceBeat = 0;
  const truth: SessionTruth = { startup_ms: o.startupMs, played_ms: 0, stall_ms: 0, completed: false };
  const position = (ms: number) => (o.rounding === "floor" ? Math.floor(ms / 1000) : ms / 1000);
  const emit = (event: string, extra: Record<string, string | number> = {}) =>
    events.push({
      event,
      timestamp: new Date(o.start.getTime() + Math.round(wall)),
      messageId: `${o.sessionId}-${events.length}`,
      properties: {
        session_id: o.sessionId,
        ...(event.startsWith("Video Content") ? { asset_id: o.assetId } : { content_asset_id: o.assetId }),
        position: position(pos),
        total_length: o.totalLength,
        video_player: "html5",
        ...extra,
      },
    });
  emit("Video Playback Started");
  wall += o.startupMs;
  emit("Video Content Started");
  for (const step of o.steps) {
    if ("play" in step) {
      let left = step.play * 1000;
      while (left > 0) {
        const dt = Math.min(left, beat - sinceBeat);
        wall += dt;
        pos += dt;
        truth.played_ms += dt;
        left -= dt;
        sinceBeat += dt;
        if (sinceBeat >= beat) {
          sinceBeat = 0;
          emit("Video Content Playing");
        }
      }
    } else if ("pause" in step) {
      emit("Video Playback Paused");
      wall += step.pause;
      emit("Video Playback Resumed");
    } else if ("buffer" in step) {
      emit("Video Playback Buffer Started");
      wall += step.buffer;
      truth.stall_ms += step.buffer;
      emit("Video Playback Buffer Completed");
    } else if ("seek" in step) {
      emit("Video Playback Seek Started", { seek_position: step.seek });
      wall += step.ms;
      pos = step.seek * 1000;
      emit("Video Playback Seek Completed", { seek_position: step.seek });
    } else if ("complete" in step) {
      truth.completed = true;
      emit("Video Content Completed");
      emit("Video Playback Completed");
    } else {
      emit("Video Playback Exited");
    }
  }
  return { events, truth };
}

/** The session of the tests: a pause, a stall, a forward seek, played to the end. */
export function standardSteps(): Step[] {
  return [
    { play: 25 },
    { pause: 5000 },
    { play: 15 },
    { buffer: 1500 },
    { play: 10 },
    { seek: 120, ms: 400 },
    { play: 30 },
    { complete: true },
  ];
}
