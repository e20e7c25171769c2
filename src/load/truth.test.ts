import { describe, expect, it } from "vitest";
import { GroundTruth, splitId } from "./truth.ts";
import type { GeneratedEvent } from "./views.ts";

const ev = (viewId: string, seq: number, type: string, videoId: string, playedMs = 0): GeneratedEvent => ({
  body: {},
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
