import { createHash } from "node:crypto";
import type { DeviceContext } from "../../events/index.ts";
import { deviceClass } from "../../ingest/index.ts";
import type { SpecKind, ViewRecord } from "./derive.ts";
import { MESSAGE_TYPES, SegmentMessage, VideoProperties, type MessageType } from "./schema.ts";

/** Video Spec event names (compared lower-case, `_` and runs of spaces as one space) → their kind. */
export const VIDEO_SPEC_EVENTS: Readonly<Record<string, SpecKind>> = {
  "video playback started": "playback_started",
  "video playback paused": "paused",
  "video playback resumed": "resumed",
  "video playback seek started": "seek_started",
  "video playback seek completed": "seek_completed",
  "video playback buffer started": "buffer_started",
  "video playback buffer completed": "buffer_completed",
  "video playback interrupted": "interrupted",
  "video playback completed": "playback_completed",
  "video playback exited": "exited",
  "video playback error": "error",
  "video playback failed": "error",
  "video content started": "content_started",
  "video content playing": "content_playing",
  "video content completed": "content_completed",
};

/** What a video event carries besides its place on the view's timeline. */
export interface VideoBase {
  id: string;
  /** The Segment event name as sent. */
  event: string;
  timestamp: string;
  user_id: string;
  view_id: string;
  video_id: string | undefined;
  duration_ms: number | undefined;
  error_code: string | undefined;
  device: DeviceContext | undefined;
  country: string | undefined;
  properties: Record<string, string | number | boolean>;
}

/** One Segment message after mapping: a Video Spec event, another message (counted, not stored), or a dropped one. */
export type Mapped =
  | { kind: "video"; index: number; base: VideoBase; record: ViewRecord }
  | { kind: "other"; index: number; id: string; type: string }
  | { kind: "dropped"; index: number; id: string | null; reason: string };

const ID = /^[A-Za-z0-9._:-]{1,64}$/;
const ALPHA2 = /^[A-Z]{2}$/;

const normalName = (event: string) =>
  event
    .trim()
    .toLowerCase()
    .replace(/[\s_]+/g, " ");
const str = (v: string | number | null | undefined) => (v === undefined || v === null ? undefined : String(v));
const ms = (seconds: number | undefined) => (seconds === undefined ? undefined : Math.round(seconds * 1000));
const hashId = (s: string) => `seg-${createHash("sha256").update(s, "utf8").digest("hex").slice(0, 40)}`;

/**
 * Our event id: the `messageId` when it fits our id rule, else a hash of it (`seg-<hex>`), else (no
 * messageId) a hash of the message without `sentAt`: the same for every retry of the same message,
 * so a retry is answered as a duplicate.
 */
export function eventId(raw: Record<string, unknown>, messageId: string | undefined): string {
  if (messageId !== undefined && ID.test(messageId)) return messageId;
  if (messageId !== undefined && messageId !== "") return hashId(messageId);
  const { sentAt: _sentAt, ...rest } = raw;
  return hashId(JSON.stringify(rest));
}

/** The message's time as ISO 8601 UTC (`timestamp`, else `originalTimestamp`, else the receive time). */
function eventTime(msg: SegmentMessage, receivedAt: number): string | undefined {
  const sent = msg.timestamp ?? msg.originalTimestamp;
  const t = sent === undefined ? receivedAt : Date.parse(sent);
  return Number.isFinite(t) ? new Date(t).toISOString() : undefined;
}

function deviceOf(msg: SegmentMessage, props: VideoProperties): DeviceContext | undefined {
  const device: DeviceContext = {};
  const type = deviceClass(msg.context?.userAgent);
  if (type) device.type = type;
  const os = msg.context?.os?.name?.slice(0, 64);
  if (os) device.os = os;
  const player = props.video_player?.slice(0, 64);
  if (player) device.player = player;
  return Object.keys(device).length > 0 ? device : undefined;
}

/** Kept in `properties`: where the event came from, and the scalar Video Spec properties worth a breakdown. */
function propertiesOf(event: string, msg: SegmentMessage): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = { source: "segment", segment_event: event.slice(0, 256) };
  if (msg.context?.locale) out.locale = msg.context.locale.slice(0, 256);
  for (const k of ["bitrate", "framerate", "quality", "livestream", "full_screen", "sound", "title"]) {
    const v = msg.properties?.[k];
    if (typeof v === "number" && Number.isFinite(v)) out[k] = v;
    else if (typeof v === "boolean") out[k] = v;
    else if (typeof v === "string" && v !== "") out[k] = v.slice(0, 256);
  }
  return out;
}

function mapVideo(index: number, id: string, kind: SpecKind, event: string, msg: SegmentMessage, receivedAt: number) {
  const props = VideoProperties.safeParse(msg.properties ?? {});
  if (!props.success) {
    const issue = props.error.issues[0];
    return drop(index, id, `properties.${issue?.path.join(".") ?? ""}: ${issue?.message ?? "invalid"}`);
  }
  const p = props.data;
  const view = str(p.session_id);
  if (view === undefined || view === "")
    return drop(index, id, "properties.session_id: required for Video Spec events");
  const user = str(msg.userId) ?? str(msg.anonymousId);
  if (user === undefined || user === "") return drop(index, id, "userId or anonymousId: one is required");
  const timestamp = eventTime(msg, receivedAt);
  if (timestamp === undefined) return drop(index, id, "timestamp: not a date");
  const base: VideoBase = {
    id,
    event,
    timestamp,
    user_id: user,
    view_id: view,
    video_id: str(p.content_asset_id) ?? str(p.asset_id) ?? str(p.content_asset_ids?.[0]),
    duration_ms: ms(p.total_length),
    error_code: str(p.error_code),
    device: deviceOf(msg, p),
    country: msg.context?.location?.country?.match(ALPHA2)?.[0],
    properties: propertiesOf(event, msg),
  };
  const record = { id, kind, t: Date.parse(timestamp), p: ms(p.position), sp: ms(p.seek_position), f: p.fatal };
  return { kind: "video" as const, index, base, record };
}

/** Video events Playpulse does not map (ads, quality changes): counted by their own label. */
const otherVideo = (name: string) =>
  name.startsWith("video ad ") ? "video_ad" : name.startsWith("video ") ? "video_other" : undefined;

const drop = (index: number, id: string | null, reason: string): Mapped => ({ kind: "dropped", index, id, reason });

/**
 * Maps one Segment message (a `batch` item, or the body of `/v1/track` and the others, whose `type`
 * the route gives). Pure. Never throws: what cannot be used is dropped with a reason.
 *
 * @example
 * mapMessage({ type: "track", event: "Video Content Playing", messageId: "m1", userId: "u1",
 *   properties: { session_id: "s1", asset_id: "a1", position: 10 } }, 0, undefined, Date.now());
 */
export function mapMessage(
  raw: unknown,
  index: number,
  routeType: MessageType | undefined,
  receivedAt: number,
): Mapped {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw))
    return drop(index, null, "message: must be a JSON object");
  const parsed = SegmentMessage.safeParse(raw);
  const record = raw as Record<string, unknown>;
  const messageId =
    typeof record.messageId === "string" || typeof record.messageId === "number" ? String(record.messageId) : undefined;
  const id = eventId(record, messageId);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return drop(index, id, `${issue?.path.join(".") ?? "message"}: ${issue?.message ?? "invalid"}`);
  }
  const msg = parsed.data;
  const type = routeType ?? MESSAGE_TYPES.find((t) => t === msg.type) ?? "unknown";
  if (type !== "track") return { kind: "other", index, id, type };
  const event = msg.event ?? "";
  const name = normalName(event);
  const kind = VIDEO_SPEC_EVENTS[name];
  if (kind === undefined) return { kind: "other", index, id, type: otherVideo(name) ?? "track" };
  return mapVideo(index, id, kind, event, msg, receivedAt);
}
