import { describe, expect, it } from "vitest";
import { alertEvent, deletedRuleResolution, titleKey, transitionOf } from "./payload.ts";
import { parseRule } from "./rule.ts";
import type { Transition } from "./state.ts";

const base = { id: "r1", metric: "failure_rate", threshold: 0.05, window_seconds: 300, min_volume: 20 };
const fired = (key: string): Transition => ({
  kind: "fired",
  rule_id: "r1",
  key,
  value: 0.3,
  fired_at: Date.parse("2026-01-01T00:03:00Z"),
  bucket: Date.parse("2026-01-01T00:00:00Z"),
});

describe("alertEvent: the event of a transition, and back", () => {
  it.each([
    ["a rule split by CDN", { split_by: "cdn" }, "edge-b", { dimension: "cdn", value: "edge-b" }, undefined],
    ["a rule split by title", { split_by: "video_id" }, "m1", { dimension: "video_id", value: "m1" }, "m1"],
    [
      "a rule per title and CDN",
      { split_by: "cdn", per_title: true },
      titleKey("m1", "edge-b"),
      { dimension: "cdn", value: "edge-b" },
      "m1",
    ],
    ["a rule over everything", {}, "", { dimension: null, value: "" }, undefined],
  ])("%s names the key and the title apart", (_name, extra, key, expectedKey, videoId) => {
    const rule = parseRule({ ...base, ...extra }, "api");
    const e = alertEvent(rule, fired(key));
    expect([e.key, e.video_id, e.state, e.fired_at]).toEqual([
      expectedKey,
      videoId,
      "firing",
      "2026-01-01T00:03:00.000Z",
    ]);
    expect(transitionOf(e, 300_000).key).toBe(key);
  });
});

describe("deletedRuleResolution: a firing key of a deleted rule resolves once", () => {
  it.each([
    ["a rule split by CDN", { split_by: "cdn" }, "edge-b"],
    ["a rule per title and CDN", { split_by: "cdn", per_title: true }, titleKey("m1", "edge-b")],
    ["a rule over everything", {}, ""],
  ])("%s: under the id its resolution always gets, value null, reason rule_deleted", (_name, extra, key) => {
    const rule = parseRule({ ...base, ...extra }, "api");
    const firedEvent = alertEvent(rule, fired(key));
    const now = Date.parse("2026-01-01T00:09:00Z");
    const resolvedHere = alertEvent(rule, { ...fired(key), kind: "resolved", value: null, resolved_at: now });
    expect(deletedRuleResolution(firedEvent, now)).toEqual({ ...resolvedHere, reason: "rule_deleted" });
    expect(resolvedHere.id).toMatch(/^alert\.resolved\.r1\.[0-9a-f]{32}$/);
  });
});
