import { describe, expect, it } from "vitest";
import { GroundTruth, splitId } from "./truth.ts";
import type { GeneratedEvent } from "./views.ts";

const T0 = Date.parse("2026-01-01T00:00:00Z");
/** An event dated `seq` minutes after T0 (so a view's events are a minute apart). */
const ev = (viewId: string, seq: number, type: string, videoId: string, playedMs = 0): GeneratedEvent => ({
  body: { timestamp: new Date(T0 + seq * 60_000).toISOString() },
  id: `${viewId}.${seq}`,
  viewId,
  type: `user.video.${type}`,
  videoId,
  playedMs,
});

describe("GroundTruth", () => {
  it("aggregates per title as the query API defines the metrics", () => {
    const t = new GroundTruth();
    const events = [
      ev("r.v0", 0, "play_requested", "A"),
      ev("r.v0", 1, "played", "A"),
      ev("r.v0", 2, "heartbeat", "A", 30_000),
      ev("r.v0", 3, "completed", "A", 60_000),
      ev("r.v0", 4, "ended", "A", 60_000),
      ev("r.v1", 0, "play_requested", "A"),
      ev("r.v1", 1, "ended", "A"),
      ev("r.v2", 0, "play_requested", "B"),
      ev("r.v2", 1, "played", "B"),
      ev("r.v2", 2, "heartbeat", "B", 10_000),
    ];
    for (const e of events) t.accept(e);
    t.accept(events[2] as GeneratedEvent); // a retry answered "duplicate": counted once
    expect(Object.fromEntries(t.titles())).toEqual({
      A: { views: 2, plays: 1, completions: 1, watch_time_ms: 60_000 },
      B: { views: 1, plays: 1, completions: 0, watch_time_ms: 10_000 },
    });
    expect(t.playEventCount()).toBe(10);
    expect([t.hasPlayEvent("r.v2.2"), t.hasPlayEvent("r.v2.3"), t.hasPlayEvent("nonsense")]).toEqual([
      true,
      false,
      false,
    ]);
    expect([...t.playEventIds()].sort()).toEqual(events.map((e) => e.id).sort());
  });

  it("bounds each view's played time by its wall clock plus 60 s for the totals the API serves", () => {
    const t = new GroundTruth();
    // v0: requested at T0, a heartbeat claiming 30 days at T0 + 2 min: served 2 min + 60 s = 180 s.
    // v1: no play_requested, events at T0 + 1 min and T0 + 3 min: served 2 min + 60 s of 10 min claimed.
    // v2: requested at T0, 50 s played at T0 + 1 min: within the bound, served as reported.
    for (const e of [
      ev("r.v0", 0, "play_requested", "A"),
      ev("r.v0", 2, "heartbeat", "A", 2_592_000_000),
      ev("r.v1", 1, "played", "A"),
      ev("r.v1", 3, "heartbeat", "A", 600_000),
      ev("r.v2", 0, "play_requested", "B"),
      ev("r.v2", 1, "heartbeat", "B", 50_000),
    ])
      t.accept(e);
    expect(Object.fromEntries(t.titles("served"))).toEqual({
      A: { views: 1, plays: 1, completions: 0, watch_time_ms: 180_000 + 180_000 },
      B: { views: 1, plays: 0, completions: 0, watch_time_ms: 50_000 },
    });
    expect(t.titles("stored").get("A")?.watch_time_ms).toBe(2_592_000_000 + 600_000);
  });

  it("keeps catalog events apart", () => {
    const t = new GroundTruth();
    t.accept({ body: {}, id: "r.c.0", viewId: "r.c", type: "video.encoding.completed", videoId: "r.t0", playedMs: 0 });
    expect([t.playEventCount(), [...t.catalogIds()], t.titles().size]).toEqual([0, ["r.c.0"], 0]);
  });

  it.each([
    ["r1.v12.3", { viewId: "r1.v12", seq: 3 }],
    ["r1.f2.0", { viewId: "r1.f2", seq: 0 }],
    ["noseq", undefined],
    ["r1.v1.x", undefined],
    [".5", undefined],
  ])("splitId(%j)", (id, expected) => {
    expect(splitId(id)).toEqual(expected);
  });
});
