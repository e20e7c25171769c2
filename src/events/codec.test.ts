import { describe, expect, it } from "vitest";
import { encodeStoredEvent, traceIdOf } from "./codec.ts";
import type { PlayEvent } from "./types.ts";

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

describe("encodeStoredEvent", () => {
  it.each([played, encodingCompleted])("writes a $type with the receive time appended", (event) => {
    const data = encodeStoredEvent(event, RECEIVED);
    expect(new TextDecoder().decode(data)).toBe(JSON.stringify({ ...event, received_at: RECEIVED }));
  });

  it("writes received_at 0, and a fractional receive time truncated", () => {
    expect(new TextDecoder().decode(encodeStoredEvent(played, 0))).toBe(JSON.stringify({ ...played, received_at: 0 }));
    expect(new TextDecoder().decode(encodeStoredEvent(played, 1.9))).toBe(
      JSON.stringify({ ...played, received_at: 1 }),
    );
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
