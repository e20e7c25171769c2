import { describe, expect, it } from "vitest";
import type { InboundMessage } from "../bus/index.ts";
import { clickhouseCode, insertIsolatingPoison, isRowDataError, poisonGuard, type PoisonRow } from "./poison.ts";

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

describe("poisonGuard", () => {
  const msg = (seq: number): InboundMessage => ({
    subject: "user.video.played",
    data: new Uint8Array([seq]),
    header: (name) => ({ "Nats-Msg-Id": `e${seq}`, traceparent: "00-aa-bb-01", other: "x" })[name],
    streamSeq: seq,
    deliveryCount: 2,
  });

  it("hands each poison row's message to the sink with its kept headers", async () => {
    const got: PoisonRow[] = [];
    const guard = poisonGuard<Row>("analytics", (consumer, rs) => {
      expect(consumer).toBe("analytics");
      got.push(...rs);
      return Promise.resolve();
    });
    const batch = [
      guard.track({ id: 1 }, msg(11)),
      guard.track({ id: 2, bad: true }, msg(12)),
      guard.track({ id: 3 }, msg(13)),
    ];
    const s = fakeStore();
    await guard.write(batch, (r) => s.insert(r));
    expect(s.stored.sort()).toEqual([1, 3]);
    expect(got).toEqual([
      {
        origin: {
          subject: "user.video.played",
          data: new Uint8Array([12]),
          streamSeq: 12,
          deliveryCount: 2,
          headers: { "Nats-Msg-Id": "e12", traceparent: "00-aa-bb-01" },
        },
        error: DATA_ERROR_18,
      },
    ]);
  });

  it("without a sink, throws the refusal as before (the loop naks the batch)", async () => {
    const guard = poisonGuard<Row>("analytics", undefined);
    const s = fakeStore();
    await expect(
      guard.write([guard.track({ id: 1, bad: true }, msg(1)), guard.track({ id: 2 }, msg(2))], (r) => s.insert(r)),
    ).rejects.toThrow(DATA_ERROR_18);
    expect(s.calls).toEqual([[1, 2]]);
  });

  it("fails the batch when the sink cannot keep the poison rows", async () => {
    const guard = poisonGuard<Row>("analytics", () => Promise.reject(new Error("no JetStream")));
    const s = fakeStore();
    await expect(
      guard.write([guard.track({ id: 1, bad: true }, msg(1)), guard.track({ id: 2 }, msg(2))], (r) => s.insert(r)),
    ).rejects.toThrow("no JetStream");
  });
});
