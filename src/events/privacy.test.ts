import { describe, expect, it } from "vitest";
import { decodeErasureRequested, encodeErasureRequested, ERASURE_REQUESTED, isErasureSubject } from "./privacy.ts";

const valid = {
  id: `er_${"c".repeat(32)}`,
  type: ERASURE_REQUESTED,
  schema_version: 1 as const,
  user_id: "u1",
  requested_at: 1,
  suppress_until: 2,
};
const bytes = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));

describe("user.privacy.erasure_requested v1", () => {
  it("reads back what it encodes", () => {
    expect(decodeErasureRequested(encodeErasureRequested(valid))).toEqual(valid);
  });

  it.each<[string, unknown, string]>([
    ["not JSON", "{", "not JSON"],
    ["another type", { ...valid, type: "user.video.played" }, "type is user.video.played"],
    ["another version", { ...valid, schema_version: 2 }, "unknown schema_version"],
    ["a bad id", { ...valid, id: "x" }, "id must be er_ and 32 hex digits"],
    ["an empty user", { ...valid, user_id: "" }, "user_id must be 1-128 characters without control characters"],
    [
      "a control character",
      { ...valid, user_id: "a\nb" },
      "user_id must be 1-128 characters without control characters",
    ],
    ["a negative time", { ...valid, requested_at: -1 }, "requested_at must be epoch ms"],
  ])("refuses %s", (_, value, reason) => {
    const data = typeof value === "string" ? new TextEncoder().encode(value) : bytes(value);
    expect(decodeErasureRequested(data)).toBe(`${ERASURE_REQUESTED}: ${reason}`);
  });

  it.each([
    ["user.privacy.erasure_requested", true],
    ["t1.user.privacy.erasure_requested", true],
    ["user.video.played", false],
    ["t1.user.privacy.erasure_requested.x", false],
  ])("isErasureSubject(%s) is %s", (subject, expected) => {
    expect(isErasureSubject(subject)).toBe(expected);
  });
});
