import type * as Crypto from "node:crypto";
import { afterEach, describe, expect, it, vi } from "vitest";

// Every comparison the lookup makes, with the lengths compared: the real timingSafeEqual, recorded.
const compared = vi.hoisted(() => [] as [number, number][]);
vi.mock("node:crypto", async (importOriginal) => {
  const real = await importOriginal<typeof Crypto>();
  return {
    ...real,
    timingSafeEqual: (a: NodeJS.ArrayBufferView, b: NodeJS.ArrayBufferView) => {
      compared.push([a.byteLength, b.byteLength]);
      return real.timingSafeEqual(a, b);
    },
  };
});

const { keyRing } = await import("./ring.ts");
const { sha256 } = await import("./entry.ts");

const entry = (source: string, key: string) => ({
  source,
  scopes: new Set(["events:write" as const]),
  hash: sha256(key),
  origins: new Set<string>(),
});
const find = keyRing([entry("a", "wk_first"), entry("b", "wk_second"), entry("c", "wk_third"), entry("d", "wk_last")]);

afterEach(() => void compared.splice(0));

describe("keyRing: the key lookup does the same work whatever is presented", () => {
  it.each([
    ["the first key", "wk_first", "a"],
    ["the last key", "wk_last", "d"],
    ["no key: a prefix of one", "wk_fir", undefined],
    ["no key: a key with one more character", "wk_firstx", undefined],
    ["no key: empty", "", undefined],
    ["no key: 10 kB", "x".repeat(10_000), undefined],
  ])("%s: one constant-time comparison per configured key, of two 32-byte digests", (_, presented, source) => {
    expect(find(presented)?.source).toBe(source);
    // No early exit at a match, nothing skipped on a miss, never the presented string itself.
    expect(compared).toEqual([
      [32, 32],
      [32, 32],
      [32, 32],
      [32, 32],
    ]);
  });
});
