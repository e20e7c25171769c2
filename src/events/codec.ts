import type { PlayEvent, StoredEvent } from "./types.ts";
import type { Validation } from "./validate.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/** The JetStream message body: the normalised event plus the server receive time. */
export function encodeStoredEvent(event: PlayEvent, receivedAt: number): Uint8Array {
  // The event is a non-empty object: append the field to its JSON instead of copying the object.
  const json = JSON.stringify(event);
  return encoder.encode(`${json.slice(0, -1)},"received_at":${Math.trunc(receivedAt)}}`);
}

export type Decoded = { ok: true; event: StoredEvent } | { ok: false; error: string };

/**
 * Reads a message body back, re-validating it against its schema version, so a consumer
 * never trusts bytes it did not check (a message may come from an older or newer edge,
 * a redrive or a hand-made publish).
 */
export function decodeStoredEvent(data: Uint8Array, validate: (input: unknown) => Validation): Decoded {
  let parsed: unknown;
  try {
    parsed = JSON.parse(decoder.decode(data));
  } catch (err: unknown) {
    return { ok: false, error: `body is not valid UTF-8 JSON: ${err instanceof Error ? err.message : String(err)}` };
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    return { ok: false, error: "body is not a JSON object" };
  const { received_at, ...rest } = parsed as Record<string, unknown>;
  if (typeof received_at !== "number" || !Number.isSafeInteger(received_at) || received_at < 0) {
    return { ok: false, error: "received_at: must be epoch milliseconds" };
  }
  if (typeof rest.id !== "string") return { ok: false, error: "id: required field is missing" };
  const v = validate(rest);
  if (!v.ok) return { ok: false, error: v.error };
  return { ok: true, event: { ...v.event, received_at } };
}

/** The trace id of a W3C `traceparent` header, or "" when absent or malformed. */
export function traceIdOf(traceparent: string | undefined): string {
  if (!traceparent) return "";
  const m = /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/.exec(traceparent.trim());
  return m?.[1] && m[1] !== "0".repeat(32) ? m[1] : "";
}
