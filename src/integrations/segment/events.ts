import { deriveView, type Derived, type ViewRecord } from "./derive.ts";
import type { Mapped, VideoBase } from "./map.ts";
import type { ViewState } from "./view-store.ts";

/** A Video Spec event that mapped. */
export type MappedVideo = Extract<Mapped, { kind: "video" }>;

/** At most this many Video Spec events are kept per view; later ones are dropped with a reason. */
export const MAX_VIEW_RECORDS = 5000;

/** A Content Completed this close to `total_length` (or past it) is the end of the title, not of an ad-split pod. */
const END_TOLERANCE_MS = 1000;

/**
 * The view's state with `videos` added by id (the first copy of an id wins, so a retry changes
 * nothing), or undefined when every one of them is already there. Pure.
 */
export function mergeRecords(current: ViewState | undefined, videos: readonly MappedVideo[]): ViewState | undefined {
  const state: ViewState = current ?? { records: [] };
  const known = new Set(state.records.map((r) => r.id));
  const added: ViewRecord[] = [];
  for (const v of videos) {
    if (known.has(v.record.id) || state.records.length + added.length >= MAX_VIEW_RECORDS) continue;
    known.add(v.record.id);
    added.push(v.record);
  }
  const videoId = state.video_id ?? videos.find((v) => v.base.video_id !== undefined)?.base.video_id;
  if (added.length === 0 && videoId === state.video_id) return undefined;
  return { video_id: videoId, records: [...state.records, ...added] };
}

/** The v1 fields every mapped event has. */
function common(base: VideoBase, videoId: string, d: Derived): Record<string, unknown> {
  return {
    id: base.id,
    timestamp: base.timestamp,
    user_id: base.user_id,
    view_id: base.view_id,
    video_id: videoId,
    position_ms: d.position_ms,
    ...(base.device ? { device: base.device } : {}),
    ...(base.country ? { country: base.country } : {}),
    properties: base.properties,
  };
}

const cumulative = (d: Derived) => ({ played_ms: d.played_ms, rebuffer_ms: d.stall_ms });

/** The v1 type and type-specific fields of one Video Spec event (docs/integrations/segment.md, the mapping table). */
function typed(v: MappedVideo, d: Derived): Record<string, unknown> {
  switch (v.record.kind) {
    case "playback_started":
      return {
        type: "user.video.play_requested",
        ...(v.base.duration_ms !== undefined ? { duration_ms: v.base.duration_ms } : {}),
      };
    case "content_started":
    case "content_playing":
      return d.first_play && d.startup_ms !== undefined
        ? { type: "user.video.played", startup_ms: d.startup_ms }
        : { type: "user.video.heartbeat", ...cumulative(d) };
    case "paused":
      return { type: "user.video.paused" };
    case "resumed":
      return { type: "user.video.resumed" };
    case "seek_completed":
      return { type: "user.video.seeked", from_ms: Math.round(d.seek_from_ms ?? d.position_ms), to_ms: d.position_ms };
    case "content_completed": {
      const len = v.base.duration_ms;
      const atEnd = len === undefined || v.record.p === undefined || v.record.p >= len - END_TOLERANCE_MS;
      return { type: atEnd ? "user.video.completed" : "user.video.heartbeat", ...cumulative(d) };
    }
    case "playback_completed":
      return { type: "user.video.completed", ...cumulative(d) };
    case "interrupted":
    case "exited":
      return { type: "user.video.ended", ...cumulative(d) };
    case "error":
      return {
        type: "user.video.failed",
        schema_version: 2,
        error_code: (v.base.error_code ?? "segment_error").slice(0, 64),
        fatal: v.record.f ?? true,
        played_ms: d.played_ms,
      };
    case "seek_started":
    case "buffer_started":
    case "buffer_completed":
      return { type: "user.video.heartbeat", ...cumulative(d) };
  }
}

/** One mapped event: the v1 event to validate and publish, or why there is none. */
export type PlayEventOrReason = { index: number; value: Record<string, unknown> } | { index: number; reason: string };

/**
 * The v1 events of a view's Video Spec events, with the derived cumulative fields computed from the
 * view's whole state (which already holds them). Pure.
 *
 * @example
 * const out = toPlayEvents(videosOfView, stateAfterMerge);
 */
export function toPlayEvents(videos: readonly MappedVideo[], state: ViewState): PlayEventOrReason[] {
  const derived = deriveView(state.records);
  return videos.map((v) => {
    const d = derived.get(v.record.id);
    if (!d) return { index: v.index, reason: `session_id: the view has ${MAX_VIEW_RECORDS} events already` };
    const videoId = v.base.video_id ?? state.video_id;
    if (videoId === undefined) {
      return {
        index: v.index,
        reason:
          "properties.content_asset_id: no content_asset_id, asset_id or content_asset_ids in the event or earlier in the session",
      };
    }
    return { index: v.index, value: { ...common(v.base, videoId, d), ...typed(v, d) } };
  });
}
