import { Linter } from "eslint";
import { describe, expect, it } from "vitest";

// eslint.config.js is plain JavaScript without types: load it by URL and name what it gives.
const CONFIG = new URL("../../eslint.config.js", import.meta.url).href;
const { size } = (await import(CONFIG)) as { size: Linter.Config };

const linter = new Linter({ configType: "flat" });
const rules = (file: string, code: string) =>
  linter.verify(code, [{ files: ["**/*.ts"] }, size], { filename: file }).map((m) => m.ruleId);

/** A file still waiting to be split (TO_SPLIT in eslint.config.js), while the list holds one. */
const exempt = (size.ignores ?? []).find((p) => !p.includes("*"));

/** A function of `n` lines (its braces included). */
const fn = (n: number) => `export function f() {\n${"  void 0;\n".repeat(n - 2)}}\n`;

describe("size limits (npm run lint)", () => {
  it.each<[string, string, string[]]>([
    ["src/bus/new.ts", fn(80), []],
    ["src/bus/new.ts", fn(81), ["max-lines-per-function"]],
    ["test/helpers/new.ts", fn(81), ["max-lines-per-function"]],
    ["src/bus/new.ts", Array.from({ length: 301 }, (_, i) => `export const x${i} = ${i};\n`).join(""), ["max-lines"]],
    ["src/bus/new.test.ts", fn(200), []],
    ...(exempt === undefined ? [] : [[exempt, fn(200), []] as [string, string, string[]]]),
  ])("%s with %#", (file, code, expected) => {
    expect(rules(file, code)).toEqual(expected);
  });
});
