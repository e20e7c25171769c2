import { describe, expect, it } from "vitest";
import { createValidator, VIDEO_EVENT_TYPES } from "../events/index.ts";
import { TrafficGenerator, type GeneratedEvent } from "./views.ts";

const opts = { runId: "r1", seed: 3, titles: 50, zipf: 1, viewers: 200, heartbeatMs: 30_000 };
const NOW = Date.parse("2026-06-01T12:00:00Z");

function generate(n: number, o = opts): GeneratedEvent[] {
  const gen = new TrafficGenerator(o);
  return Array.from({ length: n }, () => gen.next(NOW));
}

describe("TrafficGenerator", () => {
  const events = generate(30_000);
  const validate = createValidator({ now: () => NOW });

  it("emits only events the edge accepts, with unique run-scoped ids", () => {
    const invalid = events.map((e) => validate(e.body)).filter((v) => !v.ok);
    expect(invalid).toEqual([]);
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
    expect(events.every((e) => e.id.startsWith("r1.v") && e.body.id === e.id && e.body.view_id === e.viewId)).toBe(
      true,
    );
  });

  it("emits every lifecycle event type", () => {
    expect([...new Set(events.map((e) => e.type))].sort()).toEqual([...VIDEO_EVENT_TYPES].sort());
  });

  it("keeps each view a lifecycle: play_requested first, ids in sequence, nothing after the end", () => {
    const byView = new Map<string, GeneratedEvent[]>();
    for (const e of events) byView.set(e.viewId, [...(byView.get(e.viewId) ?? []), e]);
    const problems: string[] = [];
    for (const [view, list] of byView) {
      if (list[0]?.type !== "user.video.play_requested") problems.push(`${view} starts with ${list[0]?.type}`);
      list.forEach((e, i) => {
        if (e.id !== `${view}.${i}`) problems.push(`${view}: event ${i} has id ${e.id}`);
        const terminal = e.type === "user.video.ended" || (e.type === "user.video.failed" && e.body.fatal === true);
        if (terminal && i !== list.length - 1) problems.push(`${view}: ${e.type} is not last`);
        if (e.type === "user.video.completed" && list[i + 1] && list[i + 1]?.type !== "user.video.ended")
          problems.push(`${view}: completed not followed by ended`);
      });
      const played = list.map((e) => e.playedMs).filter((p) => p > 0);
      if (played.some((p, i) => i > 0 && p < (played[i - 1] ?? 0))) problems.push(`${view}: played_ms went down`);
    }
    expect(problems).toEqual([]);
    expect(byView.size).toBeGreaterThan(200);
  });

  it("draws titles from a Zipf curve: the top title gets the most views", () => {
    const views = events.filter((e) => e.type === "user.video.play_requested");
    const perTitle = new Map<string, number>();
    for (const e of views) perTitle.set(e.videoId, (perTitle.get(e.videoId) ?? 0) + 1);
    const top = [...perTitle.entries()].sort((a, b) => b[1] - a[1])[0];
    expect(top?.[0]).toBe("r1.t0");
  });

  it("mixes devices, countries and both experiment variants", () => {
    const first = events.filter((e) => e.type === "user.video.play_requested").map((e) => e.body);
    const set = (f: (b: Record<string, unknown>) => unknown) => new Set(first.map((b) => JSON.stringify(f(b)))).size;
    expect(set((b) => (b.device as { type: string }).type)).toBe(3);
    expect(set((b) => b.country)).toBeGreaterThanOrEqual(8);
    expect(set((b) => (b.experiment as { variant: string }).variant)).toBe(2);
  });

  it("is deterministic for a seed", () => {
    expect(generate(500).map((e) => e.body)).toEqual(generate(500).map((e) => e.body));
    expect(generate(500, { ...opts, seed: 4 }).map((e) => e.body)).not.toEqual(generate(500).map((e) => e.body));
  });

  it("announces every title with a valid video.encoding.completed, and markers are valid views", () => {
    const gen = new TrafficGenerator(opts);
    const catalog = gen.catalogEvents(NOW);
    expect(catalog.map((e) => validate(e.body).ok)).toEqual(new Array(50).fill(true));
    expect(catalog.map((e) => e.videoId)).toEqual(gen.titles.map((t) => t.id));
    const m = gen.markerEvent(7, NOW);
    expect([m.id, m.videoId, validate(m.body).ok]).toEqual(["r1.f7.0", "r1.fresh7", true]);
  });

  it.each(["", "has space", "a".repeat(41)])("rejects the run id %j", (runId) => {
    expect(() => new TrafficGenerator({ ...opts, runId })).toThrow(/runId/);
  });
});
