import { describe, expect, it } from "vitest";
import { ERASURE_ID, erasureIdOf, userHashOf } from "./ids.ts";

describe("erasure ids", () => {
  it("gives a user always the same id, another user another", () => {
    expect(erasureIdOf("u1")).toBe(erasureIdOf("u1"));
    expect(erasureIdOf("u1")).not.toBe(erasureIdOf("u2"));
    expect(erasureIdOf("u1")).toMatch(ERASURE_ID);
  });

  it("keeps a SHA-256 of the user id, never the id", () => {
    expect(userHashOf("u1")).toBe("bb82030dbc2bcaba32a90bf2e207a84a856fc5f033b77c480836ab6f77f40f19"); // printf u1 | sha256sum
    expect(userHashOf("u1")).not.toContain("u1");
  });
});
