import { describe, expect, it } from "vitest";
import { jsonEachRowChunks, num, ROWS_PER_CHUNK, supportsQueryParams } from "./client.ts";

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

describe("jsonEachRowChunks", () => {
  const rowsOf = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `r${i}`, n: i }));
  /** What @clickhouse/client's encoder sent for `rows` (formatter.js `encodeJSON`): one `JSON.stringify(row) + "\n"` each. */
  const clientBody = (rows: readonly object[]) => rows.map((r) => `${JSON.stringify(r)}\n`).join("");

  it.each([
    [0, 1000, []],
    [1, 1000, [1]],
    [999, 1000, [999]],
    [1000, 1000, [1000]],
    [1001, 1000, [1000, 1]],
    [2500, 1000, [1000, 1000, 500]],
    [5, 2, [2, 2, 1]],
    [3, 1, [1, 1, 1]],
  ])("%d rows, %d per chunk -> chunks of %j rows", (n, per, sizes) => {
    const rows = rowsOf(n);
    const chunks = jsonEachRowChunks(rows, per);
    expect(chunks.map((c) => (c.match(/"id":/g) ?? []).length)).toEqual(sizes);
    // Each chunk is its rows' JSON.stringify, comma-separated, ending in the one line break.
    let at = 0;
    for (const c of chunks) {
      const part = rows.slice(at, at + per);
      expect(c).toBe(`${part.map((r) => JSON.stringify(r)).join(",")}\n`);
      at += part.length;
    }
    // Read back as ClickHouse reads JSONEachRow: the same rows, in order.
    expect(JSON.parse(`[${chunks.map((c) => c.slice(0, -1)).join(",")}]`)).toEqual(rows);
  });

  it(`uses ${ROWS_PER_CHUNK} rows per chunk by default`, () => {
    expect(jsonEachRowChunks(rowsOf(2 * ROWS_PER_CHUNK + 1)).map((c) => (c.match(/"id":/g) ?? []).length)).toEqual([
      ROWS_PER_CHUNK,
      ROWS_PER_CHUNK,
      1,
    ]);
  });

  // Each row's text must be exactly what the client wrote before: ClickHouse reads these bytes.
  it.each([
    ["quotes", { s: 'say "hi" it\'s' }, String.raw`{"s":"say \"hi\" it's"}`],
    ["backslashes", { s: "C:\\dir\\n" }, String.raw`{"s":"C:\\dir\\n"}`],
    ["newline, CR, tab", { s: "a\nb\r\tc" }, String.raw`{"s":"a\nb\r\tc"}`],
    ["control characters", { s: "\u0000\u001f\u007f" }, `{"s":"\\u0000\\u001f\u007f"}`],
    ["unicode, raw", { s: "日本 é 🎬 \u2028" }, `{"s":"日本 é 🎬 \u2028"}`],
    ["a lone surrogate, as an escape", { s: "u\ud800" }, String.raw`{"s":"u\ud800"}`],
    ["a reversed surrogate pair, as escapes", { s: "\udc00\ud800" }, String.raw`{"s":"\udc00\ud800"}`],
    ["UInt64 as a string", { big: "18446744073709551615" }, `{"big":"18446744073709551615"}`],
    ["numbers", { a: 9007199254740991, b: -1.5e-7, c: 0 }, `{"a":9007199254740991,"b":-1.5e-7,"c":0}`],
    ["arrays, empty and awkward", { t: [], u: ["a,b", "\n{"] }, String.raw`{"t":[],"u":["a,b","\n{"]}`],
    ["undefined fields left out", { a: undefined, b: 1 }, `{"b":1}`],
    ["null", { s: null }, `{"s":null}`],
  ])("%s: one row is byte for byte the client's body", (_name, row, text) => {
    expect(jsonEachRowChunks([row])).toEqual([`${text}\n`]);
    expect(jsonEachRowChunks([row]).join("")).toBe(clientBody([row]));
  });

  it("throws on a value JSON cannot hold, as the client's encoder did", () => {
    expect(() => jsonEachRowChunks([{ n: 1n }])).toThrow(new TypeError("Do not know how to serialize a BigInt"));
  });

  it.each([0, -1, 1.5, Number.NaN])("refuses %d rows per chunk", (per) => {
    expect(() => jsonEachRowChunks(rowsOf(3), per)).toThrow(RangeError);
  });
});
