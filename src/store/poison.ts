import type { Store } from "./client.ts";

/**
 * ClickHouse error codes caused by the values of a row rather than by the server, the table or
 * the connection: parse and conversion failures. "Unknown field" (117) is left out on purpose:
 * it means the table lacks a column (a missing migration), which every row would hit.
 */
const ROW_DATA_CODES = new Set([6, 25, 26, 27, 38, 41, 53, 69, 70, 72, 131, 321, 349]);

/** The numeric ClickHouse error code of `err` (or of its cause), from the client's parsed error or the message text (18.x format). */
export function clickhouseCode(err: unknown, depth = 0): number | undefined {
  if (!(err instanceof Error) || depth > 3) return undefined;
  const code = (err as Error & { code?: unknown }).code;
  if (typeof code === "string" && /^\d+$/.test(code)) return Number(code);
  const m = /\bCode: (\d+)[,.]/.exec(err.message);
  // A wrapper (e.g. "clickhouse is unavailable") keeps the server's error as its cause.
  return m?.[1] === undefined ? clickhouseCode(err.cause, depth + 1) : Number(m[1]);
}

export function isRowDataError(err: unknown): boolean {
  const code = clickhouseCode(err);
  return code !== undefined && ROW_DATA_CODES.has(code);
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Inserts `rows`; when ClickHouse refuses the batch for a row's data, bisects it, inserts every
 * good half and returns the rows that fail alone. Any other error is thrown (the consume loop
 * naks the batch and backs off). When every row of a batch of several fails alone, the cause is
 * not in the rows (a changed column type, say), so the first error is thrown instead.
 */
export async function insertIsolatingPoison<R>(
  rows: readonly R[],
  insert: (rows: readonly R[]) => Promise<void>,
): Promise<{ row: R; error: string }[]> {
  try {
    await insert(rows);
    return [];
  } catch (err: unknown) {
    if (!isRowDataError(err)) throw err;
    const poison: { row: R; error: string }[] = [];
    const bisect = async (part: readonly R[], cause: unknown): Promise<void> => {
      if (part.length === 1) {
        poison.push({ row: part[0] as R, error: message(cause) });
        return;
      }
      const mid = Math.ceil(part.length / 2);
      for (const half of [part.slice(0, mid), part.slice(mid)]) {
        try {
          await insert(half);
        } catch (e: unknown) {
          if (!isRowDataError(e)) throw e;
          await bisect(half, e);
        }
      }
    };
    await bisect(rows, err);
    if (rows.length > 1 && poison.length === rows.length) throw err;
    return poison;
  }
}

/**
 * Inserts the rows of a batch, grouped by the message they came from, into `table` in one call.
 * When ClickHouse refuses the batch for a row's values, bisects it by group and returns the
 * groups refused alone (poison) with the server's reason; every other group is stored. Throws
 * when nothing could be stored (the server is down, or every group fails alone).
 *
 * @example
 * const refused = await insertGroups(store, "events", [{ msg, rows: [row] }]);
 */
export async function insertGroups<G extends { rows: readonly object[] }>(
  store: Pick<Store, "insert">,
  table: string,
  groups: readonly G[],
): Promise<{ item: G; reason: string }[]> {
  const poison = await insertIsolatingPoison(groups, (part) =>
    store.insert(
      table,
      part.flatMap((g) => g.rows),
    ),
  );
  return poison.map((p) => ({ item: p.row, reason: `poison row: ClickHouse refused it: ${p.error}` }));
}
