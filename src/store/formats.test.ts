import { describe, expect, it } from "vitest";
import { formatClause, insertBody, jsonEachRowChunks, ROWS_PER_CHUNK, tabSeparatedChunks } from "./formats.ts";

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

/** TabSeparated as ClickHouse reads it back: fields split at tabs, rows at line feeds, escapes undone. */
function readTsv(chunks: readonly string[], columns: readonly string[]): Record<string, string>[] {
  const unescape = (f: string) =>
    f.replace(/\\(.)/g, (_, c: string) => ({ t: "\t", n: "\n", r: "\r", "\\": "\\" })[c] ?? `\\${c}`);
  const text = chunks.join("");
  expect(text.endsWith("\n")).toBe(true);
  return text
    .slice(0, -1)
    .split("\n")
    .map((line) =>
      Object.fromEntries(line.split("\t").map((f, i): [string, string] => [columns[i] ?? `#${i}`, unescape(f)])),
    );
}

describe("tabSeparatedChunks", () => {
  const AWKWARD = [
    "",
    'say "hi" it\'s',
    "C:\\dir\\new",
    "\\n is not a line break, \\t is not a tab",
    "line1\nline2\r\n\tend\n",
    "\u0000\u0001\u001f\u007f",
    "日本語 ñ 🎬🍿 👩‍👩‍👧 a\u2028b",
    "\ufeff\ufffd",
  ];

  it.each(AWKWARD.map((s) => [JSON.stringify(s), s]))("writes %s so that it reads back exactly", (_name, s) => {
    const rows = [
      { id: "a", s, n: 0 },
      { id: "b", s: `${s}|${s}`, n: -1.5e-7 },
    ];
    const tsv = tabSeparatedChunks(rows);
    expect(tsv?.columns).toEqual(["id", "s", "n"]);
    expect(readTsv(tsv?.chunks ?? [], ["id", "s", "n"])).toEqual(
      rows.map((r) => ({ id: r.id, s: r.s, n: JSON.stringify(r.n) })),
    );
  });

  it("escapes exactly backslash, tab, line feed and carriage return", () => {
    expect(tabSeparatedChunks([{ s: "a\\b\tc\nd\re\u0000f" }])?.chunks).toEqual(["a\\\\b\\tc\\nd\\re\u0000f\n"]);
  });

  it("writes numbers as JSON does", () => {
    const nums = [0, -0, 7, -3, 9_007_199_254_740_991, 1.5, -1.5e-7, 1e21, 123_456_789_012];
    const tsv = tabSeparatedChunks(nums.map((n) => ({ n })));
    expect(tsv?.chunks).toEqual([`${nums.map((n) => JSON.stringify(n)).join("\n")}\n`]);
  });

  it.each([
    [0, 1000, []],
    [1, 1000, [1]],
    [1000, 1000, [1000]],
    [1001, 1000, [1000, 1]],
    [2500, 1000, [1000, 1000, 500]],
    [5, 2, [2, 2, 1]],
    [3, 1, [1, 1, 1]],
  ])("%d rows, %d per chunk -> chunks of %j rows, in order", (n, per, sizes) => {
    const rows = Array.from({ length: n }, (_, i) => ({ id: `r${i}`, n: i }));
    const chunks = tabSeparatedChunks(rows, per)?.chunks ?? [];
    expect(chunks.map((c) => c.split("\n").length - 1)).toEqual(sizes);
    if (n > 0) expect(readTsv(chunks, ["id", "n"])).toEqual(rows.map((r) => ({ id: r.id, n: String(r.n) })));
  });

  it(`uses ${ROWS_PER_CHUNK} rows per chunk by default`, () => {
    const rows = Array.from({ length: ROWS_PER_CHUNK + 1 }, (_, i) => ({ n: i }));
    expect(tabSeparatedChunks(rows)?.chunks.length).toBe(2);
  });

  // Rows it does not write: insertBody sends them as JSONEachRow, whose behaviour they keep.
  it.each([
    ["null", [{ a: "x" }, { a: null }]],
    [
      "undefined",
      [
        { a: "x", b: 1 },
        { a: "y", b: undefined },
      ],
    ],
    ["a boolean", [{ a: true }]],
    ["an array", [{ a: "x", t: ["y"] }]],
    ["an object", [{ a: { b: 1 } }]],
    ["a BigInt", [{ a: 1n }]],
    ["NaN", [{ a: Number.NaN }]],
    ["Infinity", [{ a: "x" }, { a: Number.POSITIVE_INFINITY }]],
    ["a lone high surrogate", [{ a: "u\ud800" }]],
    ["a lone low surrogate", [{ a: "ok" }, { a: "\udc00x" }]],
    ["a reversed surrogate pair", [{ a: "\udc00\ud800" }]],
    ["a row with a key more", [{ a: "x" }, { a: "y", b: "z" }]],
    ["a row with a key less", [{ a: "x", b: "z" }, { a: "y" }]],
    ["a row with other keys", [{ a: "x" }, { b: "y" }]],
    ["a key that is not a plain identifier", [{ "a-b": "x" }]],
    ["no keys", [{}]],
  ])("returns undefined for %s", (_name, rows) => {
    expect(tabSeparatedChunks(rows as object[])).toBeUndefined();
  });

  it.each([0, -1, 1.5, Number.NaN])("refuses %d rows per chunk", (per) => {
    expect(() => tabSeparatedChunks([{ a: 1 }], per)).toThrow(RangeError);
  });
});

describe("insertBody", () => {
  it("writes flat rows as TabSeparated, naming the first row's keys in their order", () => {
    expect(
      insertBody([
        { id: "a", n: 1 },
        { n: 2, id: "b" },
      ]),
    ).toEqual({
      format: "TabSeparated",
      columns: ["id", "n"],
      chunks: ["a\t1\nb\t2\n"],
    });
  });

  it("writes any other rows as JSONEachRow, byte for byte jsonEachRowChunks", () => {
    const rows = [
      { id: "a", tags: ["x"] },
      { id: "b", s: null },
    ];
    expect(insertBody(rows)).toEqual({ format: "JSONEachRow", chunks: jsonEachRowChunks(rows) });
  });

  it("names the columns TabSeparated sends, in the INSERT's format clause", () => {
    expect(formatClause(insertBody([{ id: "a", n: 1 }]))).toBe(" (id, n) FORMAT TabSeparated");
    expect(formatClause(insertBody([{ id: "a", tags: [] }]))).toBe(" FORMAT JSONEachRow");
  });

  it("throws on a value JSON cannot hold, before anything is sent", () => {
    expect(() => insertBody([{ n: 1n }])).toThrow(new TypeError("Do not know how to serialize a BigInt"));
  });
});
