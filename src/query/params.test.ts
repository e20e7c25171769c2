import { describe, expect, it } from "vitest";
import { ApiError } from "../http/errors.ts";
import { parseEnum, parseId, parseLimit, parseRange, parseTime } from "./params.ts";

const NOW = Date.parse("2026-01-01T12:00:00Z");
const DAY = 24 * 3600_000;

function invalid(fn: () => unknown): { status: number; code: string; message: string } {
  try {
    fn();
  } catch (err: unknown) {
    if (err instanceof ApiError) return { status: err.status, code: err.code, message: err.message };
    throw err;
  }
  throw new Error("expected an ApiError");
}
const bad = (message: string) => ({ status: 400, code: "invalid_parameter", message });
const timeError = (name: string, raw: string) =>
  bad(`${name}: must be an ISO 8601 time (2026-01-02T03:04:05Z) or epoch milliseconds, got "${raw}"`);

describe("parseTime", () => {
  it.each([
    [undefined, undefined],
    ["", undefined],
    ["0", 0],
    ["1767268800000", 1_767_268_800_000],
    ["999999999999999", 999_999_999_999_999],
    ["2026-01-02", Date.UTC(2026, 0, 2)],
    ["2026-01-02T03:04Z", Date.UTC(2026, 0, 2, 3, 4)],
    ["2026-01-02T03:04:05Z", Date.UTC(2026, 0, 2, 3, 4, 5)],
    ["2026-01-02T03:04:05.678Z", Date.UTC(2026, 0, 2, 3, 4, 5, 678)],
    ["2026-01-02T03:04:05+02:00", Date.UTC(2026, 0, 2, 1, 4, 5)],
    ["2024-02-29T00:00:00Z", Date.UTC(2024, 1, 29)],
  ])("parseTime(%j) = %j", (raw, expected) => {
    expect(parseTime("from", raw)).toBe(expected);
  });

  it.each([
    "1234567890123456",
    "-5",
    "1e3",
    "now",
    "2026-01-02T03:04:05",
    "2026-01-02 03:04:05Z",
    "2026-1-2",
    "2026-13-01",
    "2026-02-30",
    "2025-02-29T00:00:00Z",
    "2026-01-02T24:30:00Z",
    " 2026-01-02",
  ])("rejects %j", (raw) => {
    expect(invalid(() => parseTime("to", raw))).toEqual(timeError("to", raw));
  });

  it.each(["1969-12-31", "1969-12-31T23:59:59.999Z", "1970-01-01T00:30:00+01:00", "0001-01-01"])(
    "rejects %j: before 1970, which a UInt64 cannot hold",
    (raw) => {
      expect(invalid(() => parseTime("from", raw))).toEqual(
        bad(`from: must be 1970-01-01T00:00:00Z or later (times are stored as milliseconds since then), got "${raw}"`),
      );
    },
  );

  it("accepts 1970-01-01 itself", () => {
    expect(parseTime("from", "1970-01-01T00:00:00Z")).toBe(0);
    expect(parseTime("from", "1970-01-01T01:00:00+01:00")).toBe(0);
  });

  it("cuts a long value in the message", () => {
    expect(invalid(() => parseTime("from", "x".repeat(100)))).toEqual(timeError("from", "x".repeat(64)));
  });
});

describe("parseRange", () => {
  it.each([
    [{}, { from: NOW - DAY, to: NOW + DAY }],
    [
      { from: "", to: "" },
      { from: NOW - DAY, to: NOW + DAY },
    ],
    [{ from: "2026-01-01" }, { from: Date.UTC(2026, 0, 1), to: NOW + DAY }],
    [{ to: "2026-01-01T11:00:00Z" }, { from: NOW - DAY, to: Date.UTC(2026, 0, 1, 11) }],
    [
      { from: "1000", to: "1001" },
      { from: 1000, to: 1001 },
    ],
  ])("parseRange(%j)", (q, expected) => {
    expect(parseRange(q, NOW)).toEqual(expected);
  });

  it.each([
    [
      { from: "2026-01-02", to: "2026-01-01" },
      "from must be before to (from=2026-01-02T00:00:00.000Z, to=2026-01-01T00:00:00.000Z)",
    ],
    [
      { from: "1000", to: "1000" },
      "from must be before to (from=1970-01-01T00:00:01.000Z, to=1970-01-01T00:00:01.000Z)",
    ],
    [{ to: "2025-12-01" }, "from must be before to (from=2025-12-31T12:00:00.000Z, to=2025-12-01T00:00:00.000Z)"],
  ])("rejects the empty range %j", (q, message) => {
    expect(invalid(() => parseRange(q, NOW))).toEqual(bad(message));
  });

  it("names the bad bound", () => {
    expect(invalid(() => parseRange({ from: "yesterday" }, NOW))).toEqual(timeError("from", "yesterday"));
  });
});

describe("parseLimit", () => {
  it.each([
    [undefined, 10],
    ["", 10],
    ["1", 1],
    ["0010", 10],
    ["100", 100],
  ])("parseLimit(%j) = %d", (raw, expected) => {
    expect(parseLimit(raw)).toBe(expected);
  });

  it.each(["0", "101", "-1", "1.5", "abc", "00001", "1e2", " 5"])("rejects %j", (raw) => {
    expect(invalid(() => parseLimit(raw))).toEqual(bad(`limit: must be an integer between 1 and 100, got "${raw}"`));
  });

  it("takes a default and a maximum", () => {
    expect(parseLimit(undefined, 5, 50)).toBe(5);
    expect(parseLimit("50", 5, 50)).toBe(50);
    expect(invalid(() => parseLimit("51", 5, 50))).toEqual(bad('limit: must be an integer between 1 and 50, got "51"'));
  });
});

describe("parseEnum", () => {
  const by = ["views", "watch_time"] as const;
  it.each([
    [undefined, "views"],
    ["", "views"],
    ["views", "views"],
    ["watch_time", "watch_time"],
  ])("parseEnum(%j) = %s", (raw, expected) => {
    expect(parseEnum("by", raw, by, "views")).toBe(expected);
  });

  it.each(["WATCH_TIME", "plays", "views "])("rejects %j", (raw) => {
    expect(invalid(() => parseEnum("by", raw, by, "views"))).toEqual(
      bad(`by: must be one of views, watch_time, got "${raw}"`),
    );
  });
});

describe("parseId", () => {
  it.each(["vid_1", "x".repeat(128), "ünï 🎬 id", "a/b' OR 1=1"])("accepts %j as it is", (raw) => {
    expect(parseId("video_id", raw)).toBe(raw);
  });

  it.each(["", "x".repeat(129), "a\nb", "nul\u0000", "del\u007f"])("rejects %j", (raw) => {
    expect(invalid(() => parseId("video_id", raw))).toEqual(
      bad("video_id: must be 1-128 characters without control characters"),
    );
  });
});
