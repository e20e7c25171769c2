import { describe, expect, it } from "vitest";
import { demotionOf } from "./demotions.ts";

const fired = {
  id: "alert.fired.title-cdn.m1|edge-b.1767225600000",
  rule_id: "title-cdn",
  key: { dimension: "cdn", value: "edge-b" },
  state: "firing",
  video_id: "m1",
  fired_at: "2026-01-01T00:00:00.000Z",
};

describe("demotionOf: alert events as rec_demotions rows", () => {
  it.each([
    [
      "a title failing on one CDN",
      fired,
      [
        {
          rule_id: "title-cdn",
          video_id: "m1",
          dimension: "cdn",
          value: "edge-b",
          state: "firing",
          changed_ms: 1767225600000,
          event_id: fired.id,
        },
      ],
    ],
    [
      "its resolution, at resolved_at",
      { ...fired, id: "r1", state: "resolved", resolved_at: "2026-01-01T00:10:00.000Z" },
      [
        {
          rule_id: "title-cdn",
          video_id: "m1",
          dimension: "cdn",
          value: "edge-b",
          state: "resolved",
          changed_ms: 1767226200000,
          event_id: "r1",
        },
      ],
    ],
    [
      "a title failing everywhere (split by title alone)",
      { ...fired, key: { dimension: "video_id", value: "m1" } },
      [
        {
          rule_id: "title-cdn",
          video_id: "m1",
          dimension: "",
          value: "",
          state: "firing",
          changed_ms: 1767225600000,
          event_id: fired.id,
        },
      ],
    ],
    ["a CDN failing for every title: no title to demote", { ...fired, video_id: undefined }, []],
    ["no state", { ...fired, state: "open" }, "alert event without id, rule_id or a state of firing or resolved"],
    ["a bad time", { ...fired, fired_at: "yesterday" }, `alert event ${fired.id}: no valid fired_at`],
    [
      "a resolution without resolved_at",
      { ...fired, state: "resolved" },
      `alert event ${fired.id}: no valid resolved_at`,
    ],
  ])("%s", (_name, event, expected) => {
    expect(demotionOf(event)).toEqual(expected);
  });
});
