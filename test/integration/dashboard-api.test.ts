/**
 * The dashboard's read API over the scripted workload of test/helpers/dashboard-workload.ts. Every
 * expected value is worked out by hand in the comments; then every row is stored a second time
 * (what a redelivery does) and every answer must stay the same.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { sql } from "../../src/store/index.ts";
import { scriptedEvents } from "../helpers/dashboard-workload.ts";
import { startPipeline, waitFor, type Pipeline } from "../helpers/index.ts";

const MIN = 60_000;
const t0 = Math.floor((Date.now() - 2 * 3_600_000) / MIN) * MIN;
const iso = (ms: number) => new Date(ms).toISOString();
const q = (from: number, to: number) => `from=${iso(from)}&to=${iso(to)}`;
const HOUR_RANGE = q(t0, t0 + 60 * MIN);

// Concurrent viewers at t0 + s (window 25 s), by hand:
//  A: first frame 2, ended 40       -> 5 .. 35
//  B: first frame 11, last event 21 -> 15 .. 45 (21 + 25 = 46)
//  C: never a frame                 -> never
//  D: first frame 21.5, completed 45 -> 25 .. 40
const CCV_ALL = [0, 1, 1, 2, 2, 3, 3, 3, 2, 1, 0, 0]; // t = 0, 5, ..., 55
const CCV_M1 = [0, 1, 1, 2, 2, 2, 2, 2, 1, 1, 0, 0]; // A and B only

const totals = {
  views: 4, // A B C D requested in the hour
  plays: 3, // A B D
  unique_viewers: 4,
  watch_time_ms: 71_000, // 38 000 + 10 000 + 0 + 23 000
  completions: 1, // D
  completion_rate: 1 / 3,
  startup_ms_p50: 1500, // sorted [1000, 1500, 2000][floor(0.5 * 3) = 1]
  startup_ms_p95: 2000, // index floor(0.95 * 3) = 2
  rebuffer_ratio: 500 / 71_500, // A's 500 / (71 000 + 500)
  exits_before_start: 1, // C ended without a frame
  failures: 1, // C
  failure_rate: 0.25,
};

const previousHour = {
  views: 1, // E only
  plays: 1,
  unique_viewers: 1,
  watch_time_ms: 90_000,
  completions: 0,
  completion_rate: 0,
  startup_ms_p50: 3000,
  startup_ms_p95: 3000,
  rebuffer_ratio: 0,
  exits_before_start: 0,
  failures: 0,
  failure_rate: 0,
};

const byCdnFailureRate = [
  {
    value: null, // C carries no cdn
    views: 1,
    plays: 0,
    unique_viewers: 1,
    watch_time_ms: 0,
    completions: 0,
    completion_rate: null,
    startup_ms_p50: null,
    startup_ms_p95: null,
    rebuffer_ratio: null,
    exits_before_start: 1,
    failures: 1,
    failure_rate: 1,
  },
  {
    value: "cdn-a", // A and D; 0 failures, ties with cdn-b and sorts first by value
    views: 2,
    plays: 2,
    unique_viewers: 2,
    watch_time_ms: 61_000, // 38 000 + 23 000
    completions: 1,
    completion_rate: 0.5,
    startup_ms_p50: 2000, // sorted [1500, 2000][1]
    startup_ms_p95: 2000,
    rebuffer_ratio: 500 / 61_500,
    exits_before_start: 0,
    failures: 0,
    failure_rate: 0,
  },
  {
    value: "cdn-b", // B (E is in the previous hour)
    views: 1,
    plays: 1,
    unique_viewers: 1,
    watch_time_ms: 10_000,
    completions: 0,
    completion_rate: 0,
    startup_ms_p50: 1000,
    startup_ms_p95: 1000,
    rebuffer_ratio: 0,
    exits_before_start: 0,
    failures: 0,
    failure_rate: 0,
  },
];

describe("dashboard read API", () => {
  let p: Pipeline;
  beforeAll(async () => {
    p = await startPipeline({ natsUrl: inject("natsUrl"), clickhouseUrl: inject("clickhouseUrl") });
    const events = scriptedEvents(p.ns, t0);
    const res = await p.send(events);
    expect(res.status).toBe(202);
    await waitFor(
      async () => {
        const rows = await p.store.select<{ n: string }>(sql`SELECT uniqExact(id) AS n FROM ${p.store.db}.events`);
        return Number(rows[0]?.n) === events.length;
      },
      { timeoutMs: 30_000, what: "every scripted event stored" },
    );
  });
  afterAll(async () => p.stop());

  const checks: [string, string, (body: unknown) => void][] = [
    [
      "concurrency over every title: the series, the peak, now",
      `/v1/concurrency?${q(t0, t0 + MIN)}&step=5s`,
      (b) =>
        expect({ ...(b as object), current: undefined }).toEqual({
          from: iso(t0),
          to: iso(t0 + MIN),
          step_seconds: 5,
          window_seconds: 25,
          video_id: null,
          current: undefined, // checked below, with a view playing now
          peak: { t: iso(t0 + 25_000), viewers: 3 },
          series: CCV_ALL.map((viewers, i) => ({ t: iso(t0 + i * 5000), viewers })),
        }),
    ],
    [
      "concurrency of one title at a 10 s step (every other bucket)",
      `/v1/concurrency?${q(t0, t0 + MIN)}&step=10s&video_id=m1`,
      (b) =>
        expect(b).toMatchObject({
          video_id: "m1",
          peak: { t: iso(t0 + 15_000), viewers: 2 },
          series: CCV_M1.filter((_, i) => i % 2 === 0).map((viewers, i) => ({ t: iso(t0 + i * 10_000), viewers })),
        }),
    ],
    [
      "overview with the previous hour",
      `/v1/overview?${HOUR_RANGE}`,
      (b) =>
        expect(b).toEqual({
          from: iso(t0),
          to: iso(t0 + 60 * MIN),
          metrics: totals,
          previous: { from: iso(t0 - 60 * MIN), to: iso(t0), metrics: previousHour },
        }),
    ],
    [
      "breakdown by cdn sorted by failure rate, missing cdn under null",
      `/v1/breakdown?dimension=cdn&sort=failure_rate&${HOUR_RANGE}`,
      (b) =>
        expect(b).toEqual({
          from: iso(t0),
          to: iso(t0 + 60 * MIN),
          dimension: "cdn",
          video_id: null,
          sort: "failure_rate",
          order: "desc",
          total: totals,
          groups: 3,
          rows: byCdnFailureRate,
        }),
    ],
    [
      "breakdown by device.os of one title, by views, limit 1",
      `/v1/breakdown?dimension=device.os&video_id=m2&limit=1&${HOUR_RANGE}`,
      // m2: C (no device) and D (webos), one view each; the tie goes to the value, null last.
      (b) => expect(b).toMatchObject({ groups: 2, rows: [{ value: "webos", views: 1, plays: 1 }] }),
    ],
    [
      "plays per minute",
      `/v1/timeseries?metric=plays&step=1m&${q(t0, t0 + 3 * MIN)}`,
      (b) =>
        expect(b).toEqual({
          metric: "plays",
          from: iso(t0),
          to: iso(t0 + 3 * MIN),
          step_seconds: 60,
          video_id: null,
          points: [
            { t: iso(t0), value: 3 },
            { t: iso(t0 + MIN), value: 0 },
            { t: iso(t0 + 2 * MIN), value: 0 },
          ],
        }),
    ],
    [
      "failure rate per minute for views without a country",
      `/v1/timeseries?metric=failure_rate&step=1m&dimension=country&value=&${q(t0, t0 + 2 * MIN)}`,
      (b) =>
        expect(b).toMatchObject({
          dimension: "country",
          value: null,
          points: [
            { t: iso(t0), value: 1 }, // C alone
            { t: iso(t0 + MIN), value: null },
          ],
        }),
    ],
  ];

  it.each(checks)("%s", async (_name, path, check) => {
    const r = await p.get(path);
    expect(r.status).toBe(200);
    check(r.body);
  });

  it("gives the same answers once every row is stored twice (a redelivery)", async () => {
    const db = p.store.db;
    await p.store.command(sql`INSERT INTO ${db}.events SELECT * FROM ${db}.events`);
    const rows = await p.store.select<{ n: string }>(sql`SELECT count() AS n FROM ${db}.events`);
    expect(Number(rows[0]?.n)).toBeGreaterThanOrEqual(2 * scriptedEvents(p.ns, t0).length);
    for (const [, path, check] of checks) {
      const r = await p.get(path);
      expect(r.status).toBe(200);
      check(r.body);
    }
  });

  it("counts a view that is playing now in the current value", async () => {
    const now = Date.now();
    const live = scriptedEvents(`${p.ns}-live`, now).filter((e) => e.view_id === `${p.ns}-live-B`);
    expect((await p.send(live.map((e, i) => ({ ...e, timestamp: iso(now - 8000 + i * 3000) })))).status).toBe(202);
    // B's events at now - 8 s, - 5 s, - 2 s: present until 23 s from now, first frame shown.
    const body = await waitFor(
      async () => {
        const r = await p.get(`/v1/concurrency?video_id=m1`);
        const b = r.body as { current: { viewers: number } };
        return b.current.viewers === 1 && b;
      },
      { timeoutMs: 15_000, what: "the live view counted now" },
    );
    expect(body.current.viewers).toBe(1);
  });

  it.each([
    ["/v1/breakdown?dimension=isp", 400, "dimension: must be one of cdn, country, device.type"],
    ["/v1/breakdown", 400, "dimension: required"],
    ["/v1/breakdown?dimension=cdn&sort=nope", 400, "sort: must be one of views"],
    ["/v1/timeseries?metric=plays&step=7s", 400, "step: must be a duration"],
    ["/v1/timeseries?metric=plays&step=5s&from=2020-01-01&to=2021-01-01", 400, "gives more than 10000 points"],
    ["/v1/concurrency?step=1m&from=2026-01-02&to=2026-01-01", 400, "from must be before to"],
  ])("refuses %s with %i", async (path, status, message) => {
    const r = await p.get(path);
    expect(r.status).toBe(status);
    expect(JSON.stringify(r.body)).toContain(message);
  });

  it("needs a read key", async () => {
    expect((await p.get("/v1/overview", null)).status).toBe(401);
  });
});
