import { describe, expect, it } from "vitest";
import { subjectMatches } from "./subjects.ts";

describe("subjectMatches", () => {
  it.each([
    // consumer filters (event lookup)
    ["user.>", "user.video.played", true],
    ["user.>", "user", false],
    ["user.video.*", "user.video.played", true],
    ["user.video.*", "user.video.played.twice", false],
    ["video.>", "user.video.played", false],
    ["video.>", "video.encoding.completed", true],
    ["a.b", "a.b", true],
    ["a.b", "a.b.c", false],
    // dead-letter filters (playpulse dlq --subject)
    ["dlq.*.>", "dlq.analytics.user.video.played", true],
    ["dlq.analytics.>", "dlq.content.video.encoding.completed", false],
    ["dlq.*.user.video.*", "dlq.recommendations.user.video.played", true],
    ["dlq.*.user.video.*", "dlq.recommendations.user.video", false],
    ["dlq.a.x", "dlq.a.x", true],
    ["dlq.a.>", "dlq.a", false],
  ])("%s matches %s: %s", (filter, subject, expected) => {
    expect(subjectMatches(filter, subject)).toBe(expected);
  });
});
