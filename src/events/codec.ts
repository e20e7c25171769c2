import type { PlayEvent } from "./types.ts";

const encoder = new TextEncoder();

/** The JSON text of a JetStream message body: the normalised event plus the server receive time. */
export function storedEventText(event: PlayEvent, receivedAt: number): string {
  // The event is a non-empty object: append the field to its JSON instead of copying the object.
  const json = JSON.stringify(event);
  return `${json.slice(0, -1)},"received_at":${Math.trunc(receivedAt)}}`;
}

/** The JetStream message body: the normalised event plus the server receive time. */
export function encodeStoredEvent(event: PlayEvent, receivedAt: number): Uint8Array {
  return encoder.encode(storedEventText(event, receivedAt));
}

/** The trace id of a W3C `traceparent` header, or "" when absent or malformed. */
export function traceIdOf(traceparent: string | undefined): string {
  if (!traceparent) return "";
  const m = /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/.exec(traceparent.trim());
  return m?.[1] && m[1] !== "0".repeat(32) ? m[1] : "";
}
