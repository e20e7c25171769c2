/**
 * `store.insert` against the real ClickHouse, in both of its formats (src/store/formats.ts): flat
 * rows as TabSeparated, rows with an array column as JSONEachRow. The rows it serialises itself
 * read back exactly as written, exactly as the rows `@clickhouse/client` itself serialises (what
 * `store.insert` did before); a row the server refuses fails the insert with the server's code
 * and reason, which the poison-row bisection (src/store/poison.ts) relies on; and the insert's
 * span (with the format it sent) and metrics are kept.
 */
import { createClient, type ClickHouseClient } from "@clickhouse/client";
import { SpanKind, SpanStatusCode } from "@opentelemetry/api";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from "vitest";
import { ROWS_PER_CHUNK } from "../../src/store/formats.ts";
import { clickhouseCode, insertIsolatingPoison, isRowDataError } from "../../src/store/poison.ts";
import { createStore, sql, type Store } from "../../src/store/index.ts";
import type { StoreObserver } from "../../src/telemetry/index.ts";
import { uniqueNamespace } from "../helpers/index.ts";

interface Row {
  id: string;
  s: string;
  tags?: string[];
  n: number;
  big: string;
  small: number;
  flag: number;
  f: number;
  ts: number;
}

const AWKWARD: [string, string][] = [
  ["empty", ""],
  ["double quotes", 'say "hi"'],
  ["single quote", "it's"],
  ["backslashes", "C:\\dir\\new"],
  ["text that looks like escapes", "\\n is not a line break, \\u0041 is not A, \\ud800 is not a surrogate"],
  ["line breaks and tabs", "line1\nline2\r\n\tend\n"],
  ["control characters", "\u0000\u0001\u001f\u007f"],
  ["unicode", "日本語 Ünïcödé ñ ß"],
  ["a surrogate pair (emoji)", "🎬🍿 👩‍👩‍👧"],
  ["line and paragraph separators", "a\u2028b\u2029c"],
  ["BOM and replacement character", "\ufeff\ufffd"],
  ["JSON punctuation", '{"a":[1,2]},{"b":3}'],
  ["a row separator lookalike", '}\n{"id":"x"},\n'],
  ["long", "é".repeat(50_000)],
];

/** Each format with the rows that take it: an array column makes a row not flat. */
const FORMATS = [
  { format: "JSONEachRow", tags: true },
  { format: "TabSeparated", tags: false },
] as const;

describe.each(FORMATS)("store.insert against ClickHouse, $format", ({ format, tags }) => {
  const row = (id: string, s: string, i = 0): Row => ({
    id,
    s,
    ...(tags ? { tags: i % 3 === 0 ? [] : [s, "a,b", '"q"', "\\", "日本"] } : {}),
    n: i % 2 === 0 ? 9_007_199_254_740_991 : i,
    big: i % 2 === 0 ? "18446744073709551615" : String(i),
    small: i - 7,
    flag: i % 2,
    f: i === 0 ? -1.5e-7 : i / 10,
    ts: 1_700_000_000 + i,
  });

  /** A row as `SELECT ... FORMAT JSONEachRow` returns it: UInt64 quoted, the DateTime as its unix time. */
  const readBack = (r: Row) => ({ ...r, n: String(r.n) });
  const url = inject("clickhouseUrl");
  const database = `pp_${uniqueNamespace("ins")}`;
  const inserts: [string, number, boolean][] = [];
  const observer: StoreObserver = { onInsert: (table, rows, _seconds, ok) => inserts.push([table, rows, ok]) };
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  let store: Store;
  let client: ClickHouseClient;
  let table = "";
  let tableNo = 0;

  const read = (t: string) =>
    store.select<Row>(
      sql`SELECT id, s, ${tags ? sql`tags, ` : sql``}n, big, small, flag, f, toUnixTimestamp(ts) AS ts FROM ${{ ident: `${database}.${t}` }} ORDER BY id`,
    );
  const refusal = async (p: Promise<unknown>): Promise<Error> => {
    const err: unknown = await p.then(
      () => undefined,
      (e: unknown) => e,
    );
    if (!(err instanceof Error)) throw new Error(`expected the insert to fail, got ${String(err)}`);
    return err;
  };

  beforeAll(async () => {
    store = createStore({ url, database, telemetry: { tracer: provider.getTracer("test"), observer } });
    client = createClient({ url });
    await store.command(sql`CREATE DATABASE ${{ ident: database }}`);
  });

  beforeEach(async () => {
    table = `t${++tableNo}`;
    for (const t of [table, `${table}_client`]) {
      await store.command(
        sql`CREATE TABLE ${{ ident: `${database}.${t}` }} (id String, s String, ${tags ? sql`tags Array(String), ` : sql``}n UInt64, big UInt64, small Int32, flag UInt8, f Float64, ts DateTime) ENGINE = MergeTree() ORDER BY id`,
      );
    }
    inserts.length = 0;
    exporter.reset();
  });

  afterAll(async () => {
    await store?.command(sql`DROP DATABASE IF EXISTS ${{ ident: database }}`);
    await store?.close();
    await client?.close();
    await provider.shutdown();
  });

  it.each(AWKWARD)("stores %s exactly", async (name, s) => {
    const rows = [row("a", s, 0), row("b", `${s}|${name}`, 1), row("c", s, 2)];
    await store.insert(table, rows);
    expect(await read(table)).toEqual(rows.map(readBack));
  });

  it("stores every awkward row of one batch exactly as @clickhouse/client's own row serialisation does", async () => {
    const rows = AWKWARD.map(([name, s], i) => row(`${String(i).padStart(2, "0")} ${name}`, s, i));
    await store.insert(table, rows);
    await client.insert({ table: `${database}.${table}_client`, values: rows, format: "JSONEachRow" });
    const ours = await read(table);
    expect(ours).toEqual(rows.map(readBack));
    expect(ours).toEqual(await read(`${table}_client`));
  });

  it(`stores a batch over several ${ROWS_PER_CHUNK}-row chunks whole, awkward rows on the chunk boundaries included`, async () => {
    const n = 2 * ROWS_PER_CHUNK + 501;
    const rows = Array.from({ length: n }, (_, i) =>
      row(`r${String(i).padStart(5, "0")}`, AWKWARD[i % AWKWARD.length]?.[1] ?? "", i),
    );
    await store.insert(table, rows);
    expect(await read(table)).toEqual(rows.map(readBack));
    expect(inserts).toEqual([[table, n, true]]);
  });

  it("inserts nothing, and reports nothing, for an empty batch", async () => {
    await expect(store.insert(table, [])).resolves.toBeUndefined();
    expect(await read(table)).toEqual([]);
    expect(inserts).toEqual([]);
    expect(exporter.getFinishedSpans().filter((s) => s.name.startsWith("INSERT"))).toEqual([]);
  });

  // Values the server itself refuses: the whole insert fails with its code and reason, nothing is
  // stored. Codes and reasons as ClickHouse 18.16 gives them (the server these tests run on).
  it.each([
    ["a lone surrogate", { s: "u\ud800" }, 25, "Cannot parse escape sequence"],
    ["a reversed surrogate pair", { s: "\udc00\ud800" }, 25, "Cannot parse escape sequence"],
    ["text for a UInt64", { big: "many" }, 27, "Cannot parse input"],
    // JSONEachRow reads a number and then refuses its sign; TabSeparated fails to read the field.
    tags
      ? ["a negative UInt64", { n: -1 }, 72, "Unsigned type must not contain '-' symbol"]
      : ["a negative UInt64", { n: -1 }, 27, 'name: n,     type: UInt64,   ERROR: text "-1<TAB>'],
    ["null for a String", { s: null }, 26, "Cannot parse JSON string"],
  ])(
    "refuses a batch holding %s with the server's code and reason, storing none of it",
    async (_name, bad, code, reason) => {
      const rows = [row("a", "fine", 0), { ...row("b", "fine", 1), ...bad }, row("c", "fine", 2)];
      const err = await refusal(store.insert(table, rows));
      expect([clickhouseCode(err), isRowDataError(err)]).toEqual([code, true]);
      expect(err.message).toMatch(new RegExp(`^Code: ${code}[,.] `));
      expect(err.message).toContain(reason);
      expect(await read(table)).toEqual([]);
      expect(inserts).toEqual([[table, 3, false]]);
    },
  );

  it("refuses a whole multi-chunk batch when one row in its last chunk is refused", async () => {
    const rows = Array.from({ length: ROWS_PER_CHUNK + 10 }, (_, i) =>
      row(`r${String(i).padStart(5, "0")}`, i === ROWS_PER_CHUNK + 5 ? "u\ud800" : "fine", i),
    );
    const err = await refusal(store.insert(table, rows));
    expect(clickhouseCode(err)).toBe(25);
    expect(await read(table)).toEqual([]);
  });

  it("lets the poison-row bisection store every other row and name the refused one with the server's reason", async () => {
    const rows = ["a", "b", "c", "d", "e"].map((id, i) => row(id, id === "d" ? "u\ud800" : `row ${id}`, i));
    const poison = await insertIsolatingPoison(rows, (rs) => store.insert(table, rs));
    expect(poison.map((p) => p.row.id)).toEqual(["d"]);
    expect(poison[0]?.error).toMatch(/^Code: 25[,.] .*Cannot parse escape sequence/s);
    expect((await read(table)).map((r) => r.id)).toEqual(["a", "b", "c", "e"]);
  });

  it("fails a missing table with the server's error, which is not a row's fault", async () => {
    const err = await refusal(store.insert(`${table}_missing`, [row("a", "x")]));
    expect([clickhouseCode(err), isRowDataError(err)]).toEqual([60, false]);
    expect(err.message).toContain(`${table}_missing`);
  });

  // A missing migration, which every row would hit: the batch is retried, never bisected.
  it("fails a row with a column the table lacks with the server's error, which is not a row's fault", async () => {
    const err = await refusal(store.insert(table, [{ ...row("a", "x"), extra: "y" }]));
    expect([clickhouseCode(err), isRowDataError(err)]).toEqual([tags ? 117 : 16, false]);
    expect(err.message).toContain("extra");
    expect(await read(table)).toEqual([]);
  });

  it("fails a value JSON cannot hold before sending anything, counted as a failed insert", async () => {
    const err = await refusal(store.insert(table, [{ ...row("a", "x"), n: 1n }]));
    expect(err).toEqual(new TypeError("Do not know how to serialize a BigInt"));
    expect(inserts).toEqual([[table, 1, false]]);
  });

  it("traces each insert as a CLIENT span INSERT <table>, with the error of a refused one", async () => {
    await store.insert(table, [row("a", "x"), row("b", "y")]);
    await refusal(store.insert(table, [row("c", "u\ud800")]));
    const spans = exporter
      .getFinishedSpans()
      .filter((s) => s.name.startsWith("INSERT"))
      .map((s) => ({
        name: s.name,
        kind: s.kind,
        rows: s.attributes["playpulse.db.rows"],
        collection: s.attributes["db.collection.name"],
        namespace: s.attributes["db.namespace"],
        status: s.status.code,
        error: s.status.message?.match(/^Code: \d+/)?.[0],
        format: s.attributes["playpulse.db.format"],
      }));
    const span = { name: `INSERT ${table}`, kind: SpanKind.CLIENT, collection: table, namespace: database };
    expect(spans).toEqual([
      { ...span, rows: 2, status: SpanStatusCode.UNSET, error: undefined, format },
      { ...span, rows: 1, status: SpanStatusCode.ERROR, error: "Code: 25", format: undefined },
    ]);
    expect(inserts).toEqual([
      [table, 2, true],
      [table, 1, false],
    ]);
  });
});
