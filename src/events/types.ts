/** Event types that double as NATS subjects (before any namespace prefix). */
export const VIDEO_EVENT_TYPES = [
  "user.video.play_requested",
  "user.video.played",
  "user.video.heartbeat",
  "user.video.paused",
  "user.video.resumed",
  "user.video.seeked",
  "user.video.failed",
  "user.video.completed",
  "user.video.ended",
] as const;

export const CONTENT_EVENT_TYPES = ["video.encoding.completed"] as const;

export type VideoEventType = (typeof VIDEO_EVENT_TYPES)[number];
export type ContentEventType = (typeof CONTENT_EVENT_TYPES)[number];
export type EventType = VideoEventType | ContentEventType;

export interface DeviceContext {
  type?: string;
  os?: string;
  player?: string;
}

export interface ExperimentContext {
  id: string;
  variant: string;
}

/** A play-lifecycle event (`user.video.*`), as validated and normalised at the edge. */
export interface VideoEvent {
  id: string;
  type: VideoEventType;
  /** Client clock, ISO 8601 as sent. */
  timestamp: string;
  schema_version: number;
  user_id: string;
  view_id: string;
  video_id: string;
  position_ms: number;
  duration_ms?: number;
  startup_ms?: number;
  played_ms?: number;
  rebuffer_ms?: number;
  from_ms?: number;
  to_ms?: number;
  error_code?: string;
  fatal?: boolean;
  device?: DeviceContext;
  country?: string;
  cdn?: string;
  experiment?: ExperimentContext;
  properties?: Record<string, string | number | boolean | null>;
}

/** `video.encoding.completed`: a title is ready to stream. */
export interface ContentEvent {
  id: string;
  type: ContentEventType;
  timestamp: string;
  schema_version: number;
  video_id: string;
  title: string;
  duration_ms: number;
  genres: string[];
}

export type PlayEvent = VideoEvent | ContentEvent;

/**
 * What travels in a JetStream message body: the event plus the server's receive time
 * (epoch milliseconds). The client's `timestamp` is kept as sent.
 */
export type StoredEvent = PlayEvent & { received_at: number };

export function isVideoEvent(e: PlayEvent): e is VideoEvent {
  return e.type.startsWith("user.video.");
}
