import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { jsonSyntaxError } from "./json-syntax.ts";

const parses = (text: string) => {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
};

describe("jsonSyntaxError", () => {
  it.each([
    ["", "unexpected end of input"],
    ["   ", "unexpected end of input"],
    ['{"a":1,}', 'unexpected character "}" at position 7'],
    ['{"a" 1}', 'unexpected character "1" at position 5'],
    ["{a:1}", 'unexpected character "a" at position 1'],
    ["[1,2", "unexpected end of input"],
    ["[1 2]", 'unexpected character "2" at position 3'],
    ['{"a":[1,{"b":tru}]}', 'unexpected character "t" at position 13'],
    ['"abc', "unterminated string"],
    ['"a\\x"', 'unexpected character "x" at position 3'],
    ['"\\u12g4"', 'unexpected character "1" at position 3'],
    ['"a\tb"', 'unexpected character "\\t" at position 2'],
    ["01", 'unexpected character "1" at position 1'],
    ["-", 'unexpected character "-" at position 0'],
    ["{} {}", 'unexpected character "{" at position 3'],
    ["[", "unexpected end of input"],
  ])("%j: %s", (text, expected) => {
    expect(parses(text)).toBe(false);
    expect(jsonSyntaxError(text)).toBe(expected);
  });

  it.each(['{"a":[1,-2.5e3,true,false,null,"x\\u00e9\\n"],"b":{}}', "[]", " 1 ", '""', "[[[[]]]]"])(
    "%j is valid",
    (text) => {
      expect(jsonSyntaxError(text)).toBeUndefined();
    },
  );

  it("handles any depth without recursion", () => {
    expect(jsonSyntaxError("[".repeat(200_000))).toBe("unexpected end of input");
    expect(jsonSyntaxError(`${"[".repeat(200_000)}${"]".repeat(200_000)}`)).toBeUndefined();
  });

  it("agrees with JSON.parse on what is valid, for JSON texts and their mutations", () => {
    const mutated = fc
      .tuple(fc.json(), fc.nat(), fc.constantFrom("", ",", "}", "]", '"', ":", "x", " ", "\\"), fc.boolean())
      .map(([text, at, insert, cut]) => {
        const i = at % (text.length + 1);
        return cut ? text.slice(0, i) : text.slice(0, i) + insert + text.slice(i);
      });
    fc.assert(
      fc.property(fc.oneof(fc.json(), mutated, fc.string()), (text) => {
        expect(jsonSyntaxError(text) === undefined).toBe(parses(text));
      }),
      { numRuns: 3000 },
    );
  });
});
