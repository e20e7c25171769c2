/**
 * The bodies `store.insert` sends: TabSeparated when every row is flat (strings and finite
 * numbers, the same columns in each), JSONEachRow otherwise. Both are read by ClickHouse 18.16
 * and by current releases; TabSeparated names its columns in the INSERT and costs less to write
 * and to parse (docs/benchmarks.md, "Round five").
 */

/** Rows per string when a batch is serialised for an insert. */
export const ROWS_PER_CHUNK = 1000;

/** An insert's format, its columns (TabSeparated names them), and its body in chunks. */
export type InsertBody =
  | { format: "TabSeparated"; columns: readonly string[]; chunks: string[] }
  | { format: "JSONEachRow"; chunks: string[] };

function checkChunkSize(rowsPerChunk: number): void {
  if (!Number.isSafeInteger(rowsPerChunk) || rowsPerChunk < 1)
    throw new RangeError(`rowsPerChunk must be a positive integer, got ${rowsPerChunk}`);
}

/**
 * A batch as JSONEachRow text, in chunks of up to `rowsPerChunk` rows. Each chunk is one
 * `JSON.stringify` of its rows without the brackets, then a line break, so each row's text is
 * exactly `JSON.stringify(row)`, as `@clickhouse/client`'s own encoder writes it (lone
 * surrogates as `\udXXX` escapes, UInt64 strings quoted), and a batch of one row is byte for
 * byte what the client sent (the server's error for a row refused alone quotes that text). Rows
 * in a chunk are separated by a comma, which JSONEachRow accepts between rows (18.16 and current
 * releases). One `JSON.stringify` per chunk costs about a third less CPU than one per row, and
 * chunks keep every string far below V8's string length limit however large the batch.
 *
 * @example
 * jsonEachRowChunks([{ a: 1 }, { a: 2 }, { a: 3 }], 2); // ['{"a":1},{"a":2}\n', '{"a":3}\n']
 */
export function jsonEachRowChunks(rows: readonly object[], rowsPerChunk = ROWS_PER_CHUNK): string[] {
  checkChunkSize(rowsPerChunk);
  const out: string[] = [];
  for (let i = 0; i < rows.length; i += rowsPerChunk)
    out.push(`${JSON.stringify(rows.slice(i, i + rowsPerChunk)).slice(1, -1)}\n`);
  return out;
}

/** What a TabSeparated string escapes, and UTF-16 surrogates (a string holding one is checked for pairs). */
const SPECIAL = /[\t\n\r\\\ud800-\udfff]/;
const ESCAPED = /[\t\n\r\\]/g;
const ESCAPES: Record<string, string> = { "\t": "\\t", "\n": "\\n", "\r": "\\r", "\\": "\\\\" };
/** A column name the INSERT can name unquoted. */
const COLUMN = /^[A-Za-z_][A-Za-z0-9_]*$/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * One value as a TabSeparated field, or undefined for a value it does not write: anything but a
 * string or a finite number, and a string with a lone surrogate (JSONEachRow sends that as an
 * escape, which ClickHouse refuses; UTF-8 would turn it into U+FFFD and store it changed).
 */
function field(v: unknown): string | undefined {
  if (typeof v === "string") {
    if (!SPECIAL.test(v)) return v;
    return LONE_SURROGATE.test(v) ? undefined : v.replace(ESCAPED, (c) => ESCAPES[c] ?? c);
  }
  return typeof v === "number" && Number.isFinite(v) ? `${v}` : undefined;
}

/**
 * A batch as TabSeparated text in chunks of up to `rowsPerChunk` rows, with the first row's own
 * keys as the columns, or undefined when a row is not flat: a value other than a string or a
 * finite number (null, a boolean, an array, a BigInt, undefined), a lone surrogate, other keys
 * than the first row's, or a key that is not a plain identifier. Numbers are written as JSON
 * writes them (`${n}`); strings with backslash, tab, line feed and carriage return escaped, and
 * everything else as it is.
 *
 * @example
 * tabSeparatedChunks([{ id: "a", n: 1 }, { id: "b\tc", n: 2 }]);
 * // { columns: ["id", "n"], chunks: ["a\t1\nb\\tc\t2\n"] }
 */
export function tabSeparatedChunks(
  rows: readonly object[],
  rowsPerChunk = ROWS_PER_CHUNK,
): { columns: string[]; chunks: string[] } | undefined {
  checkChunkSize(rowsPerChunk);
  const first = rows[0];
  if (first === undefined) return { columns: [], chunks: [] };
  const columns = Object.keys(first);
  const n = columns.length;
  if (n === 0 || !columns.every((c) => COLUMN.test(c))) return undefined;
  // Each line one join of its cells and each chunk one join of its lines: flat strings. Built
  // with `+=`, a chunk was a rope of tens of thousands of pieces that lived until the insert
  // and cost three times JSON.stringify (docs/benchmarks.md, "Round five").
  const chunks: string[] = [];
  const cells = new Array<string>(n);
  let lines: string[] = [];
  for (const row of rows as readonly Record<string, unknown>[]) {
    if (Object.keys(row).length !== n) return undefined;
    for (let c = 0; c < n; c++) {
      const f = field(row[columns[c] as string]);
      if (f === undefined) return undefined;
      cells[c] = f;
    }
    lines.push(cells.join("\t"));
    if (lines.length === rowsPerChunk) {
      lines.push("");
      chunks.push(lines.join("\n"));
      lines = [];
    }
  }
  if (lines.length > 0) {
    lines.push("");
    chunks.push(lines.join("\n"));
  }
  return { columns, chunks };
}

/**
 * What follows `INSERT INTO <table>` for `body`: the columns TabSeparated names, and the format.
 *
 * @example
 * formatClause(insertBody([{ id: "a", n: 1 }])); // " (id, n) FORMAT TabSeparated"
 */
export function formatClause(body: InsertBody): string {
  return body.format === "TabSeparated" ? ` (${body.columns.join(", ")}) FORMAT TabSeparated` : " FORMAT JSONEachRow";
}

/**
 * The body of one insert of `rows`: TabSeparated when every row is flat, JSONEachRow otherwise.
 *
 * @example
 * insertBody([{ id: "a", tags: ["x"] }]).format; // "JSONEachRow" (an array column)
 */
export function insertBody(rows: readonly object[], rowsPerChunk = ROWS_PER_CHUNK): InsertBody {
  const tsv = tabSeparatedChunks(rows, rowsPerChunk);
  if (tsv !== undefined) return { format: "TabSeparated", ...tsv };
  return { format: "JSONEachRow", chunks: jsonEachRowChunks(rows, rowsPerChunk) };
}
