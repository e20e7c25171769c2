import { describe, expect, it } from "vitest";
import { CONSUMERS } from "../consumers/registry.ts";
import { subjectMatches } from "../events/index.ts";
import { parseWindowMinutes } from "./lag.ts";

describe("subjectMatches", () => {
  it.each([
    ["user.>", "user.video.played", true],
    ["user.>", "user", false],
    ["user.video.*", "user.video.played", true],
    ["user.video.*", "user.video.played.twice", false],
    ["video.>", "user.video.played", false],
    ["video.>", "video.encoding.completed", true],
    ["a.b", "a.b", true],
    ["a.b", "a.b.c", false],
  ])("%s matches %s: %s", (filter, subject, expected) => {
    expect(subjectMatches(filter, subject)).toBe(expected);
  });

  it("maps each event type to the consumers that take it", () => {
    const takers = (type: string) => CONSUMERS.filter((t) => subjectMatches(t.subject, type)).map((t) => t.name);
    expect([takers("user.video.played"), takers("video.encoding.completed")]).toEqual([
      ["analytics", "recommendations"],
      ["content"],
    ]);
  });
});

describe("parseWindowMinutes", () => {
  it.each([
    [undefined, 5],
    ["", 5],
    ["1", 1],
    ["1440", 1440],
  ])("reads %j as %i", (raw, expected) => {
    expect(parseWindowMinutes(raw)).toBe(expected);
  });

  it.each(["0", "1441", "-1", "1.5", "abc", "99999"])("rejects %j with a 400", (raw) => {
    expect(() => parseWindowMinutes(raw)).toThrow(
      expect.objectContaining({ status: 400, code: "invalid_parameter" }) as Error,
    );
  });
});
