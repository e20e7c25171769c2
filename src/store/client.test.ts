import { describe, expect, it } from "vitest";
import { num, supportsQueryParams } from "./client.ts";

describe("supportsQueryParams", () => {
  it.each([
    ["18.16.1", false],
    ["18.16.1.0", false],
    ["19.14.13.4", false],
    ["19.15.1.1", true],
    ["19.16.2", true],
    ["20.1.2.4", true],
    ["23.8.9.54", true],
    ["24.3.1.2672", true],
    ["25.10.1.3832", true],
    ["1.1.54388", false],
    ["19", false],
    ["", false],
    ["unknown", false],
    ["0", false],
  ])("version %j -> %s", (version, expected) => {
    expect(supportsQueryParams(version)).toBe(expected);
  });
});

describe("num", () => {
  it.each([
    [5, 5],
    ["18446744073709", 18_446_744_073_709],
    ["0", 0],
    ["1.5", 1.5],
    [null, Number.NaN],
    [undefined, Number.NaN],
    [true, Number.NaN],
  ])("num(%j) = %d", (input, expected) => {
    expect(num(input)).toBe(expected);
  });
});
