import { describe, expect, it } from "vitest";
import { checkDepth, jsonDepth, MAX_JSON_DEPTH } from "./depth.ts";

const enc = (s: string) => new TextEncoder().encode(s);

describe("jsonDepth", () => {
  it.each([
    ["{}", 1],
    ['[{"a":1}]', 2],
    ['[{"device":{"type":"tv"},"genres":["a"]}]', 3],
    ['{"title":"[[[[[[{{{{"}', 1],
    ['{"t":"a\\"[[[["}', 1],
    ['{"a":1}\n{"b":{"c":[1]}}', 3],
    ["]]]][", 1],
  ])("%s -> %i", (s, d) => expect(jsonDepth(enc(s), 100)).toBe(d));

  it("stops as soon as the limit is passed", () => {
    expect(jsonDepth(enc("[".repeat(1_000_000)), 4)).toBe(5);
  });

  it("refuses a body deeper than the contract with 400 too_deep", () => {
    expect(() => checkDepth(enc(`${"[".repeat(MAX_JSON_DEPTH + 1)}${"]".repeat(MAX_JSON_DEPTH + 1)}`))).toThrow(
      `the body nests arrays or objects deeper than ${MAX_JSON_DEPTH} levels; events are flat (docs/events.md)`,
    );
    expect(() => checkDepth(enc('[{"device":{"type":"tv"}}]'))).not.toThrow();
  });
});
