import type { InboundMessage } from "../bus/index.ts";
import { KEPT_HEADERS } from "./headers.ts";

/** Where a row came from, kept so that a row ClickHouse refuses can be dead-lettered as its message. */
export interface RowOrigin {
  subject: string;
  data: Uint8Array;
  streamSeq: number;
  deliveryCount: number;
  headers: Record<string, string>;
}

export interface PoisonRow {
  origin: RowOrigin;
  error: string;
}

/** Receives the rows of a batch that ClickHouse refused one by one; throws when it cannot keep them. */
export type PoisonSink = (consumer: string, rows: readonly PoisonRow[]) => Promise<void>;

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

function originOf(msg: InboundMessage): RowOrigin {
  const headers: Record<string, string> = {};
  for (const name of KEPT_HEADERS) {
    const v = msg.header(name);
    if (v !== undefined) headers[name] = v;
  }
  return { subject: msg.subject, data: msg.data, streamSeq: msg.streamSeq, deliveryCount: msg.deliveryCount, headers };
}

/**
 * Remembers each row's message, and writes batches so that a poison row goes to the dead-letter
 * queue as its message instead of failing the batch forever. Without a sink, a refused batch
 * throws as before.
 *
 * @example
 * const guard = poisonGuard<EventRow>("analytics", deps.poison);
 * prepare: return ok([guard.track(row, msg)]);
 * write:   await guard.write(rows, (rs) => store.insert("events", rs));
 */
export function poisonGuard<R extends object>(consumer: string, sink: PoisonSink | undefined) {
  // The message itself is kept; its headers are read only for a row that is refused.
  const origins = new WeakMap<R, InboundMessage>();
  return {
    track(row: R, msg: InboundMessage): R {
      origins.set(row, msg);
      return row;
    },
    async write(rows: readonly R[], insert: (rows: readonly R[]) => Promise<void>): Promise<void> {
      if (!sink) return insert(rows);
      const poison = await insertIsolatingPoison(rows, insert);
      if (poison.length === 0) return;
      const out: PoisonRow[] = [];
      for (const p of poison) {
        const msg = origins.get(p.row);
        const origin = msg && originOf(msg);
        if (!origin) throw new Error(`${consumer}: a refused row has no message to dead-letter: ${p.error}`);
        out.push({ origin, error: p.error });
      }
      await sink(consumer, out);
    },
  };
}
