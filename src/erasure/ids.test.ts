import { describe, expect, it } from "vitest";
import { createHash } from "node:crypto";
import { ERASURE_ID, erasureIdOf, RECENT_USER_HASHES, userHashOf } from "./ids.ts";

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

  it("gives every user its own SHA-256 however many came before (the hashes it remembers start again when full)", () => {
    const sha = (s: string) => createHash("sha256").update(s, "utf8").digest("hex");
    const ids = Array.from({ length: RECENT_USER_HASHES + 10 }, (_, i) => `user-${i}`);
    for (const round of [0, 1]) {
      for (const id of ids) if (userHashOf(id) !== sha(id)) throw new Error(`round ${round}: ${id} hashed wrong`);
    }
    expect(userHashOf("ü-🎬")).toBe(sha("ü-🎬"));
    expect(userHashOf("u1")).toBe("bb82030dbc2bcaba32a90bf2e207a84a856fc5f033b77c480836ab6f77f40f19");
  });
});
