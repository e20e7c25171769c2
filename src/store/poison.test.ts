import { describe, expect, it } from "vitest";
import { clickhouseCode, insertGroups, insertIsolatingPoison, isRowDataError } from "./poison.ts";

/** The text ClickHouse 18.16 answers for a negative value in a UInt64 column. */
const DATA_ERROR_18 =
  "Code: 72, e.displayText() = DB::Exception: Unsigned type must not contain '-' symbol: (while read the value of key ts_ms): (at row 3)\n, e.what() = DB::Exception";
const chError = (code: string, message: string) => Object.assign(new Error(message), { code, type: "X" });

describe("isRowDataError", () => {
  it.each<[string, unknown, number | undefined, boolean]>([
    ["an 18.x parse error (text only)", new Error(DATA_ERROR_18), 72, true],
    ["a current server's parsed error", chError("27", "Cannot parse input: expected '\"' before: 'abc'"), 27, true],
    ["a value out of range", chError("321", "Value out of range"), 321, true],
    [
      "an unknown field (a missing migration)",
      new Error("Code: 117, e.displayText() = DB::Exception: Unknown field found while parsing JSONEachRow format: zz"),
      117,
      false,
    ],
    ["an unknown table", chError("60", "Table pp.events doesn't exist"), 60, false],
    [
      "a refused connection",
      Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:8123"), { code: "ECONNREFUSED" }),
      undefined,
      false,
    ],
    ["a timeout", new Error("Timeout error."), undefined, false],
    [
      "a wrapped parse error",
      new Error("clickhouse is unavailable", { cause: chError("27", "Cannot parse input") }),
      27,
      true,
    ],
    ["not an error", "Code: 72", undefined, false],
  ])("%s", (_name, err, code, data) => {
    expect([clickhouseCode(err), isRowDataError(err)]).toEqual([code, data]);
  });
});

interface Row {
  id: number;
  bad?: boolean;
}

/** A store that refuses a whole insert when any row is bad, like ClickHouse does. */
function fakeStore(failWith: (rows: readonly Row[]) => Error = () => new Error(DATA_ERROR_18)) {
  const stored: number[] = [];
  const calls: number[][] = [];
  return {
    stored,
    calls,
    insert(rows: readonly Row[]): Promise<void> {
      calls.push(rows.map((r) => r.id));
      if (rows.some((r) => r.bad)) return Promise.reject(failWith(rows));
      stored.push(...rows.map((r) => r.id));
      return Promise.resolve();
    },
  };
}

const rows = (n: number, bad: number[]) =>
  Array.from({ length: n }, (_, i) => ({ id: i, ...(bad.includes(i) ? { bad: true } : {}) }));

describe("insertIsolatingPoison", () => {
  it("inserts a clean batch in one call", async () => {
    const s = fakeStore();
    expect(await insertIsolatingPoison(rows(4, []), (r) => s.insert(r))).toEqual([]);
    expect(s.calls).toEqual([[0, 1, 2, 3]]);
  });

  it.each([
    [8, [5], [0, 1, 2, 3, 4, 6, 7]],
    [8, [0, 7], [1, 2, 3, 4, 5, 6]],
    [5, [2, 3], [0, 1, 4]],
    [1000, [999], Array.from({ length: 999 }, (_, i) => i)],
  ])("of %i rows with poison %j stores every other row once", async (n, bad, good) => {
    const s = fakeStore();
    const poison = await insertIsolatingPoison(rows(n, bad), (r) => s.insert(r));
    expect(poison.map((p) => [p.row.id, p.error])).toEqual(bad.map((id) => [id, DATA_ERROR_18]));
    expect([...s.stored].sort((a, b) => a - b)).toEqual(good);
  });

  it("bisects a batch of 1000 with one poison row in at most 2·log2(1000)+1 inserts", async () => {
    const s = fakeStore();
    await insertIsolatingPoison(rows(1000, [500]), (r) => s.insert(r));
    expect(s.calls.length).toBeLessThanOrEqual(21);
  });

  it("throws a connection error at once, without bisecting", async () => {
    const s = fakeStore(() => new Error("connect ECONNREFUSED"));
    await expect(insertIsolatingPoison(rows(8, [1]), (r) => s.insert(r))).rejects.toThrow("connect ECONNREFUSED");
    expect(s.calls).toHaveLength(1);
  });

  it("throws when the store fails mid-bisect for another reason", async () => {
    let n = 0;
    const s = fakeStore(() => (++n === 1 ? new Error(DATA_ERROR_18) : new Error("socket hang up")));
    await expect(insertIsolatingPoison(rows(8, [1]), (r) => s.insert(r))).rejects.toThrow("socket hang up");
  });

  it("throws the first error when every row of the batch fails alone (the cause is not in the rows)", async () => {
    const s = fakeStore();
    await expect(insertIsolatingPoison(rows(4, [0, 1, 2, 3]), (r) => s.insert(r))).rejects.toThrow(DATA_ERROR_18);
  });

  it("reports a single poison row alone in its batch", async () => {
    const s = fakeStore();
    expect((await insertIsolatingPoison(rows(1, [0]), (r) => s.insert(r))).map((p) => p.row.id)).toEqual([0]);
  });
});

describe("insertGroups", () => {
  /** One message's rows; `bad` rows make the fake store refuse any insert holding them. */
  const group = (seq: number, ...ids: [number, boolean][]) => ({
    seq,
    rows: ids.map(([id, bad]) => ({ id, ...(bad ? { bad: true } : {}) })),
  });
  const store = (s: ReturnType<typeof fakeStore>) => ({
    insert: (_t: string, rs: readonly object[]) => s.insert(rs as Row[]),
  });

  it("stores every other message's rows and returns the refused messages with the server's reason", async () => {
    const s = fakeStore();
    const batch = [group(11, [1, false]), group(12, [2, true], [3, false]), group(13, [4, false], [5, false])];
    const refused = await insertGroups(store(s), "events", batch);
    expect(refused).toEqual([{ item: batch[1], reason: `poison row: ClickHouse refused it: ${DATA_ERROR_18}` }]);
    expect(s.stored.sort()).toEqual([1, 4, 5]);
  });

  it("stores a clean batch in one insert and refuses nothing", async () => {
    const s = fakeStore();
    expect(await insertGroups(store(s), "events", [group(1, [1, false]), group(2, [2, false])])).toEqual([]);
    expect(s.calls).toEqual([[1, 2]]);
  });

  it("throws the refusal when every message fails alone (the cause is not in the rows)", async () => {
    const s = fakeStore();
    await expect(insertGroups(store(s), "events", [group(1, [1, true]), group(2, [2, true])])).rejects.toThrow(
      DATA_ERROR_18,
    );
  });
});
