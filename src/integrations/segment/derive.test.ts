import { describe, expect, it } from "vitest";
import {
  scriptedSession,
  standardSteps,
  type SpecEvent,
  type Step,
} from "../../../test/integration/segment-session.ts";
import { deriveView } from "./derive.ts";
import { mergeRecords, toPlayEvents, type MappedVideo } from "./events.ts";
import { mapMessage } from "./map.ts";

const start = new Date("2026-01-01T20:00:00.000Z");
const track = (e: SpecEvent) => ({
  type: "track",
  event: e.event,
  messageId: e.messageId,
  userId: "u1",
  timestamp: e.timestamp.toISOString(),
  properties: e.properties,
});
const videos = (events: readonly SpecEvent[]) =>
  events.map((e, i) => mapMessage(track(e), i, undefined, 0)).filter((m): m is MappedVideo => m.kind === "video");

/** The derived figures after the view's last event. */
function derivedTotals(events: readonly SpecEvent[]) {
  const state = mergeRecords(undefined, videos(events));
  if (!state) throw new Error("no state");
  const d = deriveView(state.records);
  const first = videos(events).find((v) => d.get(v.record.id)?.first_play);
  return {
    played_ms: Math.max(...[...d.values()].map((x) => x.played_ms)),
    stall_ms: Math.max(...[...d.values()].map((x) => x.stall_ms)),
    startup_ms: first ? d.get(first.record.id)?.startup_ms : undefined,
  };
}

const session = (steps: Step[], rounding: "exact" | "floor" = "exact") =>
  scriptedSession({ sessionId: "s1", assetId: "a1", start, totalLength: 150, startupMs: 800, steps, rounding });

describe("deriveView: each derived metric against a view whose truth is known", () => {
  it("positions reported exactly: played, stall and startup time have zero error", () => {
    const { events, truth } = session(standardSteps());
    expect(truth).toEqual({ startup_ms: 800, played_ms: 80_000, stall_ms: 1500, completed: true });
    const got = derivedTotals(events);
    expect({ played_ms: got.played_ms, stall_ms: got.stall_ms, startup_ms: got.startup_ms }).toEqual({
      played_ms: truth.played_ms,
      stall_ms: truth.stall_ms,
      startup_ms: truth.startup_ms,
    });
  });

  it("positions floored to whole seconds: played time is short by less than 1 s per continuous run (runs = seeks + 1); stall and startup exact", () => {
    const { events, truth } = session(
      [{ play: 12.7 }, { pause: 3000 }, { play: 20.4 }, { seek: 100, ms: 250 }, { play: 9.9 }, { exit: true }],
      "floor",
    );
    const got = derivedTotals(events);
    const error = truth.played_ms - got.played_ms;
    // Two runs (one seek): floor(33.1) - 0 = 33 s against 33.1 s, floor(109.9) - 100 = 9 s against 9.9 s.
    expect(error).toBe(1000);
    expect(error).toBeLessThan(1000 * 2);
    expect(got.stall_ms).toBe(truth.stall_ms);
    expect(got.startup_ms).toBe(800);
  });

  it("is a function of the set: the events reversed and repeated give the same figures after every event", () => {
    const { events } = session(standardSteps());
    const all = (es: readonly SpecEvent[]) => {
      const state = mergeRecords(undefined, videos(es));
      return state ? Object.fromEntries(deriveView(state.records)) : {};
    };
    const twice = [...[...events].reverse(), ...events.slice(0, 5)];
    expect(all(twice)).toEqual(all(events));
    expect(Object.keys(all(twice))).toHaveLength(events.length);
  });

  it("a lost heartbeat changes nothing; a seek is never played time; time in a pause or a stall is never played time", () => {
    const { events, truth } = session(standardSteps());
    const lost = events.filter((e, i) => !(e.event === "Video Content Playing" && i === 3));
    expect(lost.length).toBe(events.length - 1);
    expect(derivedTotals(lost).played_ms).toBe(truth.played_ms);
  });

  it("played time is bounded by wall-clock time: a position that jumps ahead without a seek counts only the elapsed time", () => {
    const { events } = session([{ play: 10 }]);
    const jump = events.map((e) =>
      e.event === "Video Content Playing" ? { ...e, properties: { ...e.properties, position: 60 } } : e,
    );
    expect(derivedTotals(jump).played_ms).toBe(10_000);
  });
});

describe("toPlayEvents: the v1 events of a session", () => {
  it("maps each Video Spec event to its v1 type, with the derived fields", () => {
    const { events } = session(standardSteps());
    const vs = videos(events);
    const state = mergeRecords(undefined, vs);
    if (!state) throw new Error("no state");
    const out = toPlayEvents(vs, state).map((e) => ("value" in e ? e.value : e.reason));
    const types = out.map((v) => (typeof v === "string" ? v : v.type));
    expect(types).toEqual([
      "user.video.play_requested",
      "user.video.played",
      "user.video.heartbeat",
      "user.video.heartbeat",
      "user.video.paused",
      "user.video.resumed",
      "user.video.heartbeat",
      "user.video.heartbeat",
      "user.video.heartbeat",
      "user.video.heartbeat",
      "user.video.heartbeat",
      "user.video.heartbeat",
      "user.video.seeked",
      "user.video.heartbeat",
      "user.video.heartbeat",
      "user.video.heartbeat",
      "user.video.completed",
      "user.video.completed",
    ]);
    expect(out[0]).toMatchObject({ id: "s1-0", view_id: "s1", video_id: "a1", user_id: "u1", duration_ms: 150_000 });
    expect(out[1]).toMatchObject({ type: "user.video.played", startup_ms: 800, timestamp: "2026-01-01T20:00:00.800Z" });
    expect(out[12]).toMatchObject({ type: "user.video.seeked", from_ms: 50_000, to_ms: 120_000 });
    expect(out[17]).toMatchObject({
      type: "user.video.completed",
      played_ms: 80_000,
      rebuffer_ms: 1500,
      position_ms: 150_000,
    });
  });

  it("a Content Completed before total_length (an ad break splits the content) is a heartbeat, not a completion", () => {
    const { events } = session([{ play: 30 }, { complete: true }]);
    const vs = videos(events);
    const state = mergeRecords(undefined, vs);
    if (!state) throw new Error("no state");
    const out = toPlayEvents(vs, state).map((e) => ("value" in e ? e.value.type : e.reason));
    expect(out.slice(-2)).toEqual(["user.video.heartbeat", "user.video.completed"]);
  });

  it("merging the same events again changes nothing (a retry)", () => {
    const vs = videos(session(standardSteps()).events);
    const state = mergeRecords(undefined, vs);
    expect(mergeRecords(state, vs)).toBeUndefined();
  });
});
