import { describe, expect, it } from "vitest";
import type { IdCheck, Verification } from "../../src/load/index.ts";
import { verifiedOnce, type StoredCount } from "./verify-once.ts";

const check = (table: string, expected: number, missing = 0, unexpected = 0): IdCheck => ({
  table,
  expected,
  found: expected - missing + unexpected,
  missing,
  unexpected,
  examples: [],
});

const verification = (ids: IdCheck[], ok = true, titleDiffs = 0): Verification => ({
  ok,
  via: "clickhouse",
  ids,
  unconfirmedStored: 0,
  titlesChecked: 10,
  titleDiffs: Array.from({ length: titleDiffs }, (_, i) => ({
    video_id: `v${i}`,
    expected: { views: 1, plays: 1, completions: 0, watch_time_ms: 0 },
    found: { views: 0, plays: 0, completions: 0, watch_time_ms: 0 },
  })),
  waitedMs: 0,
  notes: [],
});

const count = (table: string, distinct: number, rows = distinct, repeated = 0): StoredCount => ({
  table,
  distinct,
  rows,
  repeated,
});

describe("verifiedOnce", () => {
  it.each<[string, Verification | null, StoredCount[], boolean, string]>([
    [
      "every id once in both tables",
      verification([check("events", 1200), check("rec_events", 1200), check("catalog", 0)]),
      [count("events", 1200), count("rec_events", 1200)],
      true,
      "verify: 1,200 accepted, 1,200 stored once, 0 lost, 0 doubled in events and rec_events",
    ],
    [
      "a delivery stored twice",
      verification([check("events", 1200), check("rec_events", 1200)]),
      [count("events", 1200, 1203, 2), count("rec_events", 1200)],
      false,
      "verify: events: 1,200 accepted, 1,198 stored once, 0 lost, 3 doubled; rec_events: 1,200 accepted, 1,200 stored once, 0 lost, 0 doubled",
    ],
    [
      "ids lost and one never sent",
      verification([check("events", 100, 4, 1), check("rec_events", 100, 4, 1)], false),
      [count("events", 97), count("rec_events", 97)],
      false,
      "verify: 100 accepted, 97 stored once, 4 lost, 0 doubled, 1 never sent in events and rec_events",
    ],
    [
      "titles wrong though every id is there once",
      verification([check("events", 5)], false, 2),
      [count("events", 5)],
      false,
      "verify: 5 accepted, 5 stored once, 0 lost, 0 doubled in events; 2 of 10 titles differ",
    ],
    ["no verification", null, [count("events", 5)], false, "verify: the load generator did not verify"],
    [
      "a table --verify did not check",
      verification([check("events", 5)]),
      [count("events", 5), count("rec_events", 5)],
      false,
      "verify: events: 5 accepted, 5 stored once, 0 lost, 0 doubled; rec_events: 0 accepted, 5 stored once, 0 lost, 0 doubled",
    ],
  ])("%s", (_name, v, counts, ok, note) => {
    const o = verifiedOnce(v, counts);
    expect({ ok: o.ok, note: o.note }).toEqual({ ok, note });
  });
});
