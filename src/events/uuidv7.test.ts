import { describe, expect, it } from "vitest";
import { uuidv7 } from "./uuidv7.ts";

const FORMAT = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const hex = (id: string) => id.replace(/-/g, "");

describe("uuidv7", () => {
  it.each([0, 1, 255, 256, 2 ** 32, Date.parse("2026-01-01T12:00:00.123Z"), 2 ** 48 - 1])(
    "puts the millisecond timestamp %d in the first 48 bits, version 7 and variant 10",
    (ms) => {
      const id = uuidv7(ms);
      expect(id).toMatch(FORMAT);
      expect(hex(id).slice(0, 12)).toBe(ms.toString(16).padStart(12, "0"));
      expect(id[14]).toBe("7");
      expect(["8", "9", "a", "b"]).toContain(id[19]);
    },
  );

  it("defaults to the current time", () => {
    const before = Date.now();
    const id = uuidv7();
    const after = Date.now();
    const ms = Number.parseInt(hex(id).slice(0, 12), 16);
    expect(ms).toBeGreaterThanOrEqual(before);
    expect(ms).toBeLessThanOrEqual(after);
  });

  it("fills the other 74 bits at random: 2000 ids of the same millisecond are distinct", () => {
    const ids = Array.from({ length: 2000 }, () => uuidv7(1_767_268_800_000));
    expect(new Set(ids).size).toBe(2000);
    expect(new Set(ids.map((id) => hex(id).slice(0, 12))).size).toBe(1);
  });

  it("sorts by millisecond: lexicographic order of ids is time order", () => {
    const times = [
      1_767_268_800_005,
      1_767_268_800_000,
      1_767_268_800_001,
      1_000,
      1_767_268_800_256,
      1_767_268_799_999,
      2 ** 40,
    ];
    const ids = times.map((t) => ({ t, id: uuidv7(t) }));
    const byId = [...ids].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).map((x) => x.t);
    expect(byId).toEqual([...times].sort((a, b) => a - b));
  });
});
