import { describe, expect, it } from "vitest";
import { decodeStoredEvent, encodeStoredEvent, traceIdOf } from "./codec.ts";
import type { PlayEvent } from "./types.ts";
import { createValidator } from "./validate.ts";

const validate = createValidator({ maxFutureMs: Number.POSITIVE_INFINITY });
const RECEIVED = 1_767_268_800_123;

const played: PlayEvent = {
  id: "e1",
  type: "user.video.played",
  schema_version: 1,
  timestamp: "2026-01-01T12:00:00.000Z",
  user_id: "u1",
  view_id: "v1",
  video_id: "vid-1",
  position_ms: 0,
  startup_ms: 850,
  device: { type: "tv" },
  experiment: { id: "exp", variant: "a" },
  properties: { k: "v", n: 1, b: true, z: null },
};
const encodingCompleted: PlayEvent = {
  id: "enc-1",
  type: "video.encoding.completed",
  schema_version: 1,
  timestamp: "2026-01-01T12:00:00Z",
  video_id: "vid-1",
  title: "Ember & Ash ‘ünïcode’",
  duration_ms: 7_800_000,
  genres: ["fantasy", "drama"],
};

const bytes = (s: string) => new TextEncoder().encode(s);
const jsonError = (text: string) => {
  try {
    JSON.parse(text);
  } catch (err: unknown) {
    return (err as Error).message;
  }
  throw new Error("parsed");
};

describe("encodeStoredEvent / decodeStoredEvent", () => {
  it.each([played, encodingCompleted])("round-trips a $type with the receive time", (event) => {
    const data = encodeStoredEvent(event, RECEIVED);
    expect(new TextDecoder().decode(data)).toBe(JSON.stringify({ ...event, received_at: RECEIVED }));
    expect(decodeStoredEvent(data, validate)).toEqual({ ok: true, event: { ...event, received_at: RECEIVED } });
  });

  it.each([
    ["missing", undefined],
    ["a string", "1767268800123"],
    ["negative", -1],
    ["fractional", 1.5],
    ["beyond 2^53", 2 ** 53],
    ["null", null],
  ])("rejects received_at %s", (_name, received_at) => {
    const data = bytes(JSON.stringify({ ...played, received_at }));
    expect(decodeStoredEvent(data, validate)).toEqual({ ok: false, error: "received_at: must be epoch milliseconds" });
  });

  it("accepts received_at 0", () => {
    expect(decodeStoredEvent(encodeStoredEvent(played, 0), validate)).toEqual({
      ok: true,
      event: { ...played, received_at: 0 },
    });
  });

  it.each([
    ["an array", "[]", "body is not a JSON object"],
    ["null", "null", "body is not a JSON object"],
    ["a number", "42", "body is not a JSON object"],
    ["not JSON", "{nope", `body is not valid UTF-8 JSON: ${jsonError("{nope")}`],
    ["empty", "", `body is not valid UTF-8 JSON: ${jsonError("")}`],
  ])("rejects a body that is %s", (_name, text, error) => {
    expect(decodeStoredEvent(bytes(text), validate)).toEqual({ ok: false, error });
  });

  it("rejects invalid UTF-8", () => {
    const data = new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]);
    expect(decodeStoredEvent(data, validate)).toEqual({
      ok: false,
      error: "body is not valid UTF-8 JSON: The encoded data was not valid for encoding utf-8",
    });
  });

  it("requires an id: a stored event never gets a new one", () => {
    const { id: _id, ...rest } = played;
    expect(decodeStoredEvent(bytes(JSON.stringify({ ...rest, received_at: RECEIVED })), validate)).toEqual({
      ok: false,
      error: "id: required field is missing",
    });
  });

  it("re-validates the event against its schema", () => {
    const data = bytes(JSON.stringify({ ...played, startup_ms: -3, received_at: RECEIVED }));
    expect(decodeStoredEvent(data, validate)).toEqual({
      ok: false,
      error: "startup_ms: must be between 0 and 2592000000, got -3",
    });
    const unknown = bytes(JSON.stringify({ ...played, type: "user.video.zapped", received_at: RECEIVED }));
    expect(decodeStoredEvent(unknown, validate)).toEqual({
      ok: false,
      error: 'type: unknown event type "user.video.zapped"',
    });
  });
});

describe("traceIdOf", () => {
  const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
  it.each([
    [`00-${TRACE}-00f067aa0ba902b7-01`, TRACE],
    [`00-${TRACE}-00f067aa0ba902b7-00`, TRACE],
    [`  00-${TRACE}-00f067aa0ba902b7-01 `, TRACE],
    [undefined, ""],
    ["", ""],
    [`00-${"0".repeat(32)}-00f067aa0ba902b7-01`, ""],
    [`00-${TRACE.toUpperCase()}-00f067aa0ba902b7-01`, ""],
    [`00-${TRACE.slice(1)}-00f067aa0ba902b7-01`, ""],
    [`00-${TRACE}-00f067aa0ba902b-01`, ""],
    [`00-${TRACE}-00f067aa0ba902b7-01-extra`, ""],
    [`0-${TRACE}-00f067aa0ba902b7-01`, ""],
    ["garbage", ""],
  ])("traceIdOf(%j) = %j", (header, expected) => {
    expect(traceIdOf(header)).toBe(expected);
  });
});
