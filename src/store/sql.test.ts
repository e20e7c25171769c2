import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ident, join, p, quoteString, render, sql, SqlValueError, type Param } from "./sql.ts";

/** Reads a ClickHouse string literal back by the server's escaping rules; throws on anything it would not accept. */
function unquote(literal: string): string {
  const chars = [...literal];
  if (chars[0] !== "'" || chars.at(-1) !== "'" || chars.length < 2) throw new Error(`not a literal: ${literal}`);
  let out = "";
  for (let i = 1; i < chars.length - 1; i++) {
    const ch = chars[i];
    if (ch === "'") throw new Error(`unescaped quote at ${i} in ${literal}`);
    if (ch !== "\\") {
      out += ch;
      continue;
    }
    const next = chars[++i];
    if (next === "\\" || next === "'") out += next;
    else if (next === "x") {
      out += String.fromCharCode(Number.parseInt(`${chars[i + 1]}${chars[i + 2]}`, 16));
      i += 2;
    } else throw new Error(`unknown escape \\${next} in ${literal}`);
  }
  return out;
}

describe("quoteString", () => {
  it.each([
    ["", "''"],
    ["abc", "'abc'"],
    ["it's", "'it\\'s'"],
    ["''", "'\\'\\''"],
    ["a\\b", "'a\\\\b'"],
    ["\\", "'\\\\'"],
    ["a\nb", "'a\\x0ab'"],
    ["\r\t", "'\\x0d\\x09'"],
    ["nul\u0000byte", "'nul\\x00byte'"],
    ["\u001f\u007f", "'\\x1f\\x7f'"],
    ["ünïcödé 日本語 🎬", "'ünïcödé 日本語 🎬'"],
    ["\u2028\u00a0", "'\u2028\u00a0'"],
    ["' OR 1=1 --", "'\\' OR 1=1 --'"],
    ["'; DROP TABLE events; --", "'\\'; DROP TABLE events; --'"],
    ["\\' OR 1=1 --", "'\\\\\\' OR 1=1 --'"],
    ["x\\", "'x\\\\'"],
    ["x' FORMAT TSV SETTINGS readonly=0 --\n", "'x\\' FORMAT TSV SETTINGS readonly=0 --\\x0a'"],
  ])("quoteString(%j) = %s", (input, expected) => {
    expect(quoteString(input)).toBe(expected);
    expect(unquote(expected)).toBe(input);
  });

  it("turns any string into one literal that reads back as the same string", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 64 }), (s) => {
        const q = quoteString(s);
        // No raw control character survives, and the literal decodes to the input.
        expect(/[\u0000-\u001f\u007f]/.test(q)).toBe(false);
        expect(unquote(q)).toBe(s);
      }),
      { numRuns: 2000 },
    );
  });

  it("survives strings made only of quotes, backslashes and newlines", () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom("'", "\\", "\n", "-", " ", "x"), maxLength: 40 }), (s) => {
        expect(unquote(quoteString(s))).toBe(s);
      }),
      { numRuns: 2000 },
    );
  });
});

describe("p: typed values", () => {
  it.each([
    ["u64", () => p.u64(-1), "not a UInt64: -1"],
    ["u64", () => p.u64(1.5), "not a UInt64: 1.5"],
    ["u64", () => p.u64(Number.NaN), "not a UInt64: NaN"],
    ["u64", () => p.u64(Number.POSITIVE_INFINITY), "not a UInt64: Infinity"],
    ["u64", () => p.u64(2 ** 53), "not a UInt64: 9007199254740992"],
    ["i64", () => p.i64(0.5), "not an Int64: 0.5"],
    ["i64", () => p.i64(Number.NaN), "not an Int64: NaN"],
    ["i64", () => p.i64(-(2 ** 53)), "not an Int64: -9007199254740992"],
    ["f64", () => p.f64(Number.NaN), "not a finite Float64: NaN"],
    ["f64", () => p.f64(Number.POSITIVE_INFINITY), "not a finite Float64: Infinity"],
    ["f64", () => p.f64(Number.NEGATIVE_INFINITY), "not a finite Float64: -Infinity"],
  ])("p.%s rejects a bad number", (_kind, make, message) => {
    expect(make).toThrow(new SqlValueError(message));
    expect(make).toThrow(SqlValueError);
  });

  it.each([
    [p.u64(0), { type: "UInt64", value: 0 }],
    [p.u64(Number.MAX_SAFE_INTEGER), { type: "UInt64", value: Number.MAX_SAFE_INTEGER }],
    [p.i64(-5), { type: "Int64", value: -5 }],
    [p.f64(-0.25), { type: "Float64", value: -0.25 }],
    [p.str("x"), { type: "String", value: "x" }],
    [p.strs(["a", "b"]), { type: "Array(String)", value: ["a", "b"] }],
  ])("builds %j", (param, expected) => {
    expect(param).toEqual(expected);
  });
});

describe("ident", () => {
  it.each(["playpulse", "pp_t1a2b", "_x", "db.table", "Events2"])("accepts %j", (name) => {
    expect(ident(name)).toEqual({ ident: name });
  });

  it.each(["", "1abc", "a-b", "a b", "a;DROP TABLE x", "a.b.c", "`x`", "a.", ".a", "ä", "x'", "x--", "x\n"])(
    "rejects %j",
    (name) => {
      expect(() => ident(name)).toThrow(new SqlValueError(`not a safe identifier: ${name}`));
    },
  );
});

describe("render", () => {
  const one = (param: Param) => sql`SELECT ${param}`;

  it.each([
    ["String", p.str("a'b\\c\n"), "SELECT 'a\\'b\\\\c\\x0a'", "a'b\\c\n"],
    ["String, injection attempt", p.str("' OR 1=1 --"), "SELECT '\\' OR 1=1 --'", "' OR 1=1 --"],
    ["UInt64", p.u64(42), "SELECT 42", 42],
    ["UInt64 max safe", p.u64(Number.MAX_SAFE_INTEGER), "SELECT 9007199254740991", Number.MAX_SAFE_INTEGER],
    ["Int64", p.i64(7), "SELECT 7", 7],
    ["Int64 negative", p.i64(-7), "SELECT (-7)", -7],
    ["Float64 fraction", p.f64(0.5), "SELECT 0.5", 0.5],
    ["Float64 integral", p.f64(43_200_000), "SELECT 43200000.0", 43_200_000],
    ["Float64 negative", p.f64(-1.5), "SELECT (-1.5)", -1.5],
    ["Float64 negative integral", p.f64(-2), "SELECT (-2.0)", -2],
    ["Float64 negative zero", p.f64(-0), "SELECT 0.0", -0],
    ["Float64 tiny", p.f64(1e-7), "SELECT 1e-7", 1e-7],
    ["Float64 huge", p.f64(1e21), "SELECT 1e+21", 1e21],
    ["Array(String)", p.strs(["a", "b'c", ""]), "SELECT ['a', 'b\\'c', '']", ["a", "b'c", ""]],
    ["Array(String) empty, typed", p.strs([]), "SELECT emptyArrayString()", []],
  ])("%s: inline and as a parameter", (_name, param, inline, value) => {
    expect(render(one(param), "inline")).toEqual({ query: inline });
    expect(render(one(param), "params")).toEqual({ query: `SELECT {p0:${param.type}}`, query_params: { p0: value } });
  });

  it("never lets a negative value after a minus sign turn into a comment", () => {
    const q = sql`SELECT 10 -${p.i64(-3)}, 1 -${p.f64(-0.5)} FROM t WHERE x = ${p.str("y")}`;
    expect(render(q, "inline")).toEqual({ query: "SELECT 10 -(-3), 1 -(-0.5) FROM t WHERE x = 'y'" });
  });

  it("renders identifiers as they are in both modes and numbers parameters across nested fragments", () => {
    const db = ident("pp_test");
    const where = sql`video_id = ${p.str("vid'1")} AND ts_ms >= ${p.u64(1000)}`;
    const q = sql`SELECT count() FROM (SELECT * FROM ${db}.events WHERE ${where}) WHERE user_id IN ${p.strs(["u1"])} LIMIT ${p.u64(5)}`;
    expect(render(q, "inline")).toEqual({
      query:
        "SELECT count() FROM (SELECT * FROM pp_test.events WHERE video_id = 'vid\\'1' AND ts_ms >= 1000) WHERE user_id IN ['u1'] LIMIT 5",
    });
    expect(render(q, "params")).toEqual({
      query:
        "SELECT count() FROM (SELECT * FROM pp_test.events WHERE video_id = {p0:String} AND ts_ms >= {p1:UInt64}) WHERE user_id IN {p2:Array(String)} LIMIT {p3:UInt64}",
      query_params: { p0: "vid'1", p1: 1000, p2: ["u1"], p3: 5 },
    });
  });

  it("renders a query without values the same way in both modes, without query_params", () => {
    const q = sql`SELECT version() AS v FROM ${ident("system.one")}`;
    expect(render(q, "inline")).toEqual({ query: "SELECT version() AS v FROM system.one" });
    expect(render(q, "params")).toEqual({ query: "SELECT version() AS v FROM system.one" });
  });

  it("renders the same fragment twice with fresh parameter names", () => {
    const frag = sql`x = ${p.u64(1)}`;
    expect(render(sql`${frag} OR ${frag}`, "params")).toEqual({
      query: "x = {p0:UInt64} OR x = {p1:UInt64}",
      query_params: { p0: 1, p1: 1 },
    });
  });
});

describe("join", () => {
  it.each([
    [[], ", ", { query: "" }, { query: "" }],
    [[sql`a`], ", ", { query: "a" }, { query: "a" }],
    [[sql`a`, sql`b`, sql`c`], ", ", { query: "a, b, c" }, { query: "a, b, c" }],
    [
      [sql`x = ${p.u64(1)}`, sql`y = ${p.str("'")}`],
      " AND ",
      { query: "x = 1 AND y = '\\''" },
      { query: "x = {p0:UInt64} AND y = {p1:String}", query_params: { p0: 1, p1: "'" } },
    ],
  ])("join(%#)", (parts, sep, inline, params) => {
    expect(render(join(parts, sep), "inline")).toEqual(inline);
    expect(render(join(parts, sep), "params")).toEqual(params);
  });

  it("composes inside a larger query", () => {
    const cols = join([sql`a`, sql`b`]);
    expect(render(sql`SELECT ${cols} FROM t WHERE k = ${p.str("v")}`, "params")).toEqual({
      query: "SELECT a, b FROM t WHERE k = {p0:String}",
      query_params: { p0: "v" },
    });
  });
});
