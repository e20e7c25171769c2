import { describe, expect, it } from "vitest";
import { CONSUMERS } from "../consumers/registry.ts";
import { subjectMatches } from "../events/index.ts";
import { parseWindowMinutes } from "./lag.ts";

describe("consumer subjects", () => {
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
