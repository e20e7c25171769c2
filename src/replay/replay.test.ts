import { describe, expect, it } from "vitest";
import { parsePosition } from "./replay.ts";

describe("parsePosition", () => {
  it.each([
    ["1", { seq: 1 }],
    ["123456", { seq: 123456 }],
    ["2026-01-02T03:04:05Z", { time: new Date("2026-01-02T03:04:05Z") }],
    ["2026-01-02T03:04:05.5+01:00", { time: new Date("2026-01-02T02:04:05.500Z") }],
    ["2026-01-02", { time: new Date("2026-01-02T00:00:00Z") }],
  ])("reads %s", (raw, expected) => {
    expect(parsePosition("--from", raw)).toEqual(expected);
  });

  it.each([
    ["0", "--from: stream sequences start at 1, got 0"],
    ["-1", `--from: must be a stream sequence (e.g. 1) or an ISO 8601 time (e.g. 2026-01-02T03:04:05Z), got "-1"`],
    [
      "yesterday",
      `--from: must be a stream sequence (e.g. 1) or an ISO 8601 time (e.g. 2026-01-02T03:04:05Z), got "yesterday"`,
    ],
    [
      "2026-13-45T00:00:00Z",
      `--from: must be a stream sequence (e.g. 1) or an ISO 8601 time (e.g. 2026-01-02T03:04:05Z), got "2026-13-45T00:00:00Z"`,
    ],
  ])("rejects %s", (raw, message) => {
    expect(() => parsePosition("--from", raw)).toThrow(message);
  });
});
