/**
 * The dashboard reads `view_facts` and `ccv_times` (materialized views on `events`), never the
 * events. Here they must give exactly what the events give, for ranges cut at any millisecond:
 * the overview, breakdowns and series against the same formulas run on `events` (perViewSql), and
 * concurrent viewers against the definition computed in TypeScript from the generated events.
 * Rows arrive shuffled, in several inserts: a third before migrations 5 and 6 (which fill the new
 * tables from what is stored), a third while `ccv_times` is as migration 6 made it before migration
 * 31 (times only; 31 then fills in each view's life), and a quarter of them twice.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { breakdown, eventFilter } from "../../src/query/breakdown.ts";
import { concurrency } from "../../src/query/concurrency.ts";
import { METRIC_COLUMNS, perViewSql, toMetrics, type MetricRow, type Metrics } from "../../src/query/metrics-sql.ts";
import { overview } from "../../src/query/overview.ts";
import { timeseries } from "../../src/query/timeseries.ts";
import {
  createStore,
  ident,
  migrate,
  MIGRATIONS,
  sql,
  type Migration,
  type Sql,
  type Store,
} from "../../src/store/index.ts";
import { uniqueNamespace } from "../helpers/index.ts";

const HOUR = 3_600_000;
const T0 = Math.floor(Date.now() / HOUR) * HOUR - 5 * HOUR + 1_234_567; // not on a minute
const WINDOW_S = 25;

interface Row {
  id: string;
  type: string;
  ts: string;
  ts_ms: number;
  view_id: string;
  user_id: string;
  video_id: string;
  cdn: string;
  country: string;
  device_type: string;
  experiment_variant: string;
  played_ms: number;
  rebuffer_ms: number;
  startup_ms: number;
  fatal: number;
}

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0), s / 2 ** 32);
}

/** 240 views over 3 hours: gaps longer than the window, views that never end, fail, or end twice. */
function workload(ns: string): Row[] {
  const r = rng(7);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  const rows: Row[] = [];
  for (let v = 0; v < 240; v++) {
    const dims = {
      view_id: `${ns}-v${v}`,
      user_id: `u${v % 90}`,
      video_id: `m${v % 5}`,
      cdn: pick(["cdn-a", "cdn-b", "cdn-c", ""]),
      country: pick(["DE", "US", ""]),
      device_type: pick(["tv", "web", "mobile"]),
      experiment_variant: pick(["", "a", "b"]),
    };
    let t = T0 + Math.floor(r() * 3 * HOUR);
    let k = 0;
    const add = (type: string, extra: Partial<Row> = {}) =>
      rows.push({
        id: `${ns}-v${v}-${k++}`,
        type: `user.video.${type}`,
        ts: new Date(t).toISOString().slice(0, 19).replace("T", " "),
        ts_ms: t,
        ...dims,
        played_ms: 0,
        rebuffer_ms: 0,
        startup_ms: 0,
        fatal: 0,
        ...extra,
      });
    add("play_requested");
    if (r() < 0.1) {
      t += 800 + Math.floor(r() * 900);
      add("failed", { fatal: r() < 0.7 ? 1 : 0 });
      if (r() < 0.5) add("ended");
      continue;
    }
    const startup = 300 + Math.floor(r() * 3000);
    t += startup;
    add("played", { startup_ms: startup });
    let played = 0;
    const beats = Math.floor(r() * 40);
    for (let i = 0; i < beats; i++) {
      const gap = r() < 0.1 ? 26_000 + Math.floor(r() * 60_000) : 10_000 + Math.floor(r() * 7);
      t += gap;
      played += Math.min(gap, 10_000);
      add("heartbeat", { played_ms: played, rebuffer_ms: Math.floor(r() * 3) * 250 });
    }
    const end = r();
    t += 1 + Math.floor(r() * 9000);
    if (end < 0.5) add("ended", { played_ms: played });
    else if (end < 0.8) add("completed", { played_ms: played });
    if (end < 0.1) {
      t += 4000;
      add("completed", { played_ms: played }); // a second end: the first one counts
    }
  }
  return [...rows, ...outsideTheirLives(ns)];
}

/**
 * Three views of title m3 at T0 + 50 min whose presence lies partly or wholly outside their life
 * (first frame .. first end), so the query must drop whole intervals, not only trim them: a first
 * frame a minute after the request, beats a minute after the end, and an end before the first frame.
 */
function outsideTheirLives(ns: string): Row[] {
  const at = T0 + 50 * 60_000;
  const plan: [string, [string, number][]][] = [
    [
      "slow-start",
      [
        ["play_requested", 0],
        ["played", 60_000],
        ["heartbeat", 70_000],
        ["ended", 80_000],
      ],
    ],
    [
      "beats-after-end",
      [
        ["played", 0],
        ["heartbeat", 10_000],
        ["ended", 15_000],
        ["heartbeat", 75_000],
        ["heartbeat", 85_000],
      ],
    ],
    [
      "ended-first",
      [
        ["ended", 0],
        ["played", 1_000],
        ["heartbeat", 11_000],
        ["heartbeat", 21_000],
      ],
    ],
  ];
  return plan.flatMap(([name, events]) =>
    events.map(([type, offset], k) => ({
      id: `${ns}-${name}-${k}`,
      type: `user.video.${type}`,
      ts: new Date(at + offset).toISOString().slice(0, 19).replace("T", " "),
      ts_ms: at + offset,
      view_id: `${ns}-${name}`,
      user_id: "u-edge",
      video_id: "m3",
      cdn: "cdn-a",
      country: "DE",
      device_type: "web",
      experiment_variant: "",
      played_ms: 0,
      rebuffer_ms: 0,
      startup_ms: type === "played" ? 500 : 0,
      fatal: 0,
    })),
  );
}

/** Migration 6 as it was released: `ccv_times` with the times alone, written by `ccv_times_mv`. */
const oldCcvTimes: Migration = {
  id: 6,
  name: "ccv_times, as released before migration 31",
  statements: (db) => {
    const select = sql`SELECT toUInt32(intDiv(ts_ms, 3600000) * 3600) AS hour, video_id, view_id,
      groupArrayState(ts_ms) AS times FROM ${db}.events GROUP BY hour, video_id, view_id`;
    return [
      sql`CREATE TABLE IF NOT EXISTS ${db}.ccv_times (hour UInt32, video_id String, view_id String,
        times AggregateFunction(groupArray, UInt64)) ENGINE = AggregatingMergeTree()
        PARTITION BY toYYYYMM(toDateTime(hour)) ORDER BY (hour, video_id, view_id)`,
      sql`CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.ccv_times_mv TO ${db}.ccv_times AS ${select}`,
      sql`INSERT INTO ${db}.ccv_times ${select}`,
    ];
  },
};

/** Concurrent viewers at instant `at` by the definition (docs/metrics.md#concurrent-viewers). */
function ccvAt(rows: readonly Row[], at: number): number {
  const views = new Map<string, Row[]>();
  for (const e of rows) views.set(e.view_id, [...(views.get(e.view_id) ?? []), e]);
  let n = 0;
  for (const evs of views.values()) {
    const first = Math.min(...evs.filter((e) => e.type === "user.video.played").map((e) => e.ts_ms));
    const ended = evs.some((e) => /\.(ended|completed)$/.test(e.type) && e.ts_ms <= at);
    const alive = evs.some((e) => e.ts_ms <= at && at - e.ts_ms <= WINDOW_S * 1000);
    if (first <= at && !ended && alive) n++;
  }
  return n;
}

describe("dashboard reads from the rollups equal the events", () => {
  let store: Store;
  let rows: Row[];

  /** The metrics of the events matching `where`, by the formulas on `events` (the reference). */
  const reference = async (where: Sql) =>
    store.select<MetricRow>(sql`SELECT ${METRIC_COLUMNS} FROM (${perViewSql(store.db, where)})`);

  beforeAll(async () => {
    store = createStore({ url: inject("clickhouseUrl"), database: `pp_${uniqueNamespace("rollup")}` });
    rows = workload("w");
    const r = rng(11);
    const shuffled = rows
      .map((row) => ({ row, key: r() }))
      .sort((a, b) => a.key - b.key)
      .map((x) => x.row);
    const third = Math.floor(shuffled.length / 3);
    await migrate(
      store,
      MIGRATIONS.filter((m) => m.id <= 4),
    );
    await store.insert("events", shuffled.slice(0, third)); // before the rollups exist: the backfill
    // ccv_times as migration 6 made it before migration 31: the times alone, no life in the rows.
    await migrate(store, [oldCcvTimes, ...MIGRATIONS.filter((m) => m.id !== 6 && m.id !== 31)]);
    await store.insert("events", shuffled.slice(third, 2 * third));
    expect(await migrate(store)).toEqual([31]);
    for (let i = 2 * third; i < shuffled.length; i += 500) await store.insert("events", shuffled.slice(i, i + 500));
    await store.insert(
      "events",
      shuffled.filter((_, i) => i % 4 === 0),
    ); // redelivered
  }, 60_000);
  afterAll(async () => {
    await store.command(sql`DROP DATABASE IF EXISTS ${store.db}`);
    await store.close();
  });

  const RANGES: [string, number, number][] = [
    ["cut at odd milliseconds", T0 + 123_457, T0 + 2 * HOUR + 98_765],
    ["whole hours", Math.ceil(T0 / HOUR) * HOUR, Math.ceil(T0 / HOUR) * HOUR + 2 * HOUR],
    ["wider than the data", T0 - HOUR - 1, T0 + 5 * HOUR + 7],
    ["inside one minute", T0 + HOUR + 1_001, T0 + HOUR + 41_999],
    ["empty", T0 + HOUR, T0 + HOUR],
  ];

  it.each(RANGES)("overview (%s)", async (_name, from, to) => {
    const range = { from, to };
    const o = await overview(store, range);
    const before = { from: Math.max(0, from - (to - from)), to: from };
    expect(o.metrics).toEqual(toMetrics((await reference(eventFilter(range, undefined)))[0]));
    expect(o.previous.metrics).toEqual(toMetrics((await reference(eventFilter(before, undefined)))[0]));
  });

  it.each(RANGES)("breakdowns by cdn and by variant of one title (%s)", async (_name, from, to) => {
    const range = { from, to };
    for (const [dimension, column, videoId] of [
      ["cdn", "cdn", undefined],
      ["experiment_variant", "experiment_variant", "m2"],
    ] as const) {
      const b = await breakdown(store, { range, dimension, videoId, sort: "views", order: "desc", limit: 100 });
      const dim = sql` max(${ident(column)}) AS g,`;
      const groups = await store.select<MetricRow & { g: string }>(
        sql`SELECT g, ${METRIC_COLUMNS} FROM (${perViewSql(store.db, eventFilter(range, videoId), dim)}) GROUP BY g`,
      );
      const expected = new Map<string | null, Metrics>(groups.map((g) => [g.g === "" ? null : g.g, toMetrics(g)]));
      expect(new Map(b.rows.map(({ value, ...m }) => [value, m]))).toEqual(expected);
      expect(b.total).toEqual(toMetrics((await reference(eventFilter(range, videoId)))[0]));
    }
  });

  it.each([
    ["plays per minute", "plays", 60_000],
    ["failure rate per hour", "failure_rate", HOUR],
    ["watch time per 7 minutes", "watch_time_ms", 7 * 60_000],
  ] as const)("series: %s", async (_name, metric, stepMs) => {
    const [, from, to] = RANGES[0] as [string, number, number];
    const points = await timeseries(store, { range: { from, to }, metric, stepMs });
    const expected = [];
    for (let b = Math.floor(from / stepMs); b * stepMs < to; b++) {
      const part = { from: Math.max(from, b * stepMs), to: Math.min(to, (b + 1) * stepMs) };
      expected.push({
        t: new Date(b * stepMs).toISOString(),
        value: toMetrics((await reference(eventFilter(part, undefined)))[0])[metric],
      });
    }
    expect(points).toEqual(expected);
  });

  it.each([
    ["every title, 40 minutes at 5 s", undefined, T0 + 40 * 60_000 + 2_500, 40 * 60_000],
    ["one title, 2 hours at 5 s", "m3", T0 + HOUR - 60_000 + 1, 2 * HOUR],
  ])("concurrent viewers: %s, against the definition", async (_name, videoId, from, span) => {
    const to = from + span;
    const now = from + span / 2 + 1234;
    const c = await concurrency(store, { range: { from, to }, stepMs: 5000, windowSeconds: WINDOW_S, videoId, now });
    const mine = rows.filter((e) => videoId === undefined || e.video_id === videoId);
    const series = c.series.map((pt) => ccvAt(mine, Date.parse(pt.t)));
    expect(c.series.map((pt) => pt.viewers)).toEqual(series);
    expect(Math.max(...series)).toBeGreaterThan(3);
    expect(c.peak.viewers).toBe(Math.max(...series));
    expect(c.current.viewers).toBe(ccvAt(mine, Math.floor(now / 5000) * 5000));
    const outside = await concurrency(store, {
      range: { from, to },
      stepMs: 60_000,
      windowSeconds: WINDOW_S,
      videoId,
      now: to + HOUR + 17,
    });
    expect(outside.current.viewers).toBe(ccvAt(mine, Math.floor((to + HOUR + 17) / 5000) * 5000));
  });
});
