/**
 * End to end: the scripted scenario of test/helpers/scenario.ts goes in over HTTP, through
 * JetStream and the three consumers into ClickHouse, and every answer of the query API equals
 * a value worked out by hand below (the arithmetic is in the comments; nothing here reuses
 * the product's formulas).
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startPipeline, type Pipeline } from "../helpers/index.ts";
import { openJetStream, type JetStreamProbe } from "../helpers/jetstream.ts";
import {
  acceptedIds,
  buildScenario,
  EXPERIMENT,
  sendScenario,
  waitUntilStored,
  type Scenario,
  type SentRequest,
} from "../helpers/scenario.ts";

const HOUR = 3_600_000;
const HALF_LIFE_HOURS = 1;
const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

// The scenario starts three hours ago, on a whole second; the stats range is [t0, t0 + 2 h),
// which holds every view but V14 (at t0 - 30 min).
const t0 = Math.floor((Date.now() - 3 * HOUR) / 1000) * 1000;
const iso = (ms: number) => new Date(ms).toISOString();
const from = iso(t0);
const to = iso(t0 + 2 * HOUR);
const range = `from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`;

/**
 * When each view of a title first showed a frame (`played`), in seconds after t0: trending
 * counts each such view once, decayed by its age.
 */
const PLAYED_AT: Record<string, number[]> = {
  m1: [102, 201, 403], // V1, V2, V4 (V3 never played)
  m2: [1002, 1101, 1301], // V5, V6, V7
  m3: [2001, 2402], // V8, V9
  m4: [3001, 3103], // V10, V11
  m5: [3701, -1799], // V13, V14 (before the stats range, still inside 10 half-lives)
  m6: [3501], // V12
};

/** Σ 2^(-(asOf - t) / half-life) over the title's plays. */
function decayed(videoId: string, asOf: number): number {
  return (PLAYED_AT[videoId] ?? []).reduce(
    (sum, s) => sum + 2 ** (-(asOf - (t0 + s * 1000)) / (HALF_LIFE_HOURS * HOUR)),
    0,
  );
}

const NO_METRICS = {
  views: 0,
  plays: 0,
  unique_viewers: 0,
  watch_time_ms: 0,
  completions: 0,
  completion_rate: null,
  startup_ms_p50: null,
  startup_ms_p95: null,
  rebuffer_ratio: null,
  exits_before_start: 0,
  failures: 0,
  failure_rate: null,
};

// Percentiles are ClickHouse's quantileExact: the value at 0-based index floor(q · n) of the
// sorted startup times (n = 3: p50 is index 1, p95 index 2; n = 2: both index 1).
const STATS: [string, Record<string, number | null>][] = [
  [
    "m1",
    {
      views: 4, // V1 V2 V3 V4 requested
      plays: 3, // V1 V2 V4
      unique_viewers: 4, // u1 u2 u3 u4
      watch_time_ms: 668_000, // 58 000 (V1, the late 20 000 heartbeat changes nothing) + 600 000 (V2) + 0 (V3) + 10 000 (V4)
      completions: 1, // V2 (its completed was sent twice)
      completion_rate: 0.3333333333333333, // 1 / 3
      startup_ms_p50: 1200, // sorted [800, 1200, 3000][1]
      startup_ms_p95: 3000, // [800, 1200, 3000][2]
      rebuffer_ratio: 0.005952380952380952, // (500 + 2000 + 0 + 1500) / (668 000 + 4000) = 4000 / 672 000
      exits_before_start: 1, // V3
      failures: 1, // V4 (fatal E_DRM; its non-fatal E_NET does not count twice)
      failure_rate: 0.25, // 1 / 4
    },
  ],
  [
    "m2",
    {
      views: 3, // V5 V6 V7
      plays: 3,
      unique_viewers: 3, // u1 u2 u3
      watch_time_ms: 177_000, // 38 000 + 99 000 + 40 000 (V6's heartbeat stored twice under two ids: max, not sum)
      completions: 0,
      completion_rate: 0, // 0 / 3
      startup_ms_p50: 600, // [400, 600, 700][1]
      startup_ms_p95: 700, // [400, 600, 700][2]
      rebuffer_ratio: 0.0056179775280898875, // 1000 / (177 000 + 1000)
      exits_before_start: 0, // V5 and V6 ended after playing
      failures: 0, // V6 failed, not fatally
      failure_rate: 0, // 0 / 3
    },
  ],
  [
    "m3",
    {
      views: 2, // V8 V9
      plays: 2,
      unique_viewers: 2, // u2 u3
      watch_time_ms: 330_000, // 300 000 + 30 000
      completions: 1, // V8
      completion_rate: 0.5, // 1 / 2
      startup_ms_p50: 900, // [500, 900][1]
      startup_ms_p95: 900, // [500, 900][floor(1.9)]
      rebuffer_ratio: 0, // 0 / 330 000
      exits_before_start: 0,
      failures: 0,
      failure_rate: 0,
    },
  ],
  [
    "m4",
    {
      views: 2, // V10 V11
      plays: 2,
      unique_viewers: 2, // u4 u3
      watch_time_ms: 105_000, // 60 000 + 45 000 (V11's ended sent twice in one batch)
      completions: 0,
      completion_rate: 0,
      startup_ms_p50: 2000, // [1000, 2000][1]
      startup_ms_p95: 2000,
      rebuffer_ratio: 0,
      exits_before_start: 0,
      failures: 0,
      failure_rate: 0,
    },
  ],
  [
    "m5",
    {
      views: 1, // V13 only: V14 is before `from`
      plays: 1,
      unique_viewers: 1,
      watch_time_ms: 10_000,
      completions: 0,
      completion_rate: 0,
      startup_ms_p50: 100,
      startup_ms_p95: 100,
      rebuffer_ratio: 0,
      exits_before_start: 0,
      failures: 0,
      failure_rate: 0,
    },
  ],
  [
    "m6",
    {
      views: 1, // V12; not in the catalog, still measured
      plays: 1,
      unique_viewers: 1,
      watch_time_ms: 99_000,
      completions: 0,
      completion_rate: 0,
      startup_ms_p50: 300,
      startup_ms_p95: 300,
      rebuffer_ratio: 0,
      exits_before_start: 0,
      failures: 0,
      failure_rate: 0,
    },
  ],
  ["never-played", NO_METRICS],
];

// Per range [t0, t0 + 2 h): views and Σ per-view max played_ms of each title (see STATS).
const TOP = {
  m1: { video_id: "m1", title: "Arrival", views: 4, watch_time_ms: 668_000 },
  m2: { video_id: "m2", title: "Brick", views: 3, watch_time_ms: 177_000 },
  m3: { video_id: "m3", title: "Coda", views: 2, watch_time_ms: 330_000 },
  m4: { video_id: "m4", title: "Dune", views: 2, watch_time_ms: 105_000 },
  m5: { video_id: "m5", title: "Elio", views: 1, watch_time_ms: 10_000 },
  m6: { video_id: "m6", title: null, views: 1, watch_time_ms: 99_000 },
};

interface ExpectedRecommendation {
  video_id: string;
  title: string;
  /** Left out for trending rows, whose score depends on the moment of the request. */
  score?: number;
  reason: string;
  because?: { video_id: string; title: string };
}

describe("end to end: a scripted scenario over HTTP", () => {
  let p: Pipeline;
  let js: JetStreamProbe;
  let scenario: Scenario;
  let sent: SentRequest[];

  beforeAll(async () => {
    const natsUrl = inject("natsUrl");
    p = await startPipeline({
      natsUrl,
      clickhouseUrl: inject("clickhouseUrl"),
      env: { PLAYPULSE_TRENDING_HALF_LIFE_HOURS: String(HALF_LIFE_HOURS) },
    });
    js = await openJetStream(natsUrl);
    scenario = buildScenario(t0);
    sent = await sendScenario(p, scenario);
    await waitUntilStored(p, js, acceptedIds(sent));
  }, 90_000);

  afterAll(async () => {
    await js?.close();
    await p?.stop();
  });

  it("answers every request 202 with each event accepted or duplicate, as scripted", () => {
    const expected = scenario.requests.map((request) => ({
      name: request.name,
      status: 202,
      body: {
        accepted: request.events.filter((e) => e.status === "accepted").length,
        duplicates: request.events.filter((e) => e.status === "duplicate").length,
        rejected: 0,
        results: request.events.map((e, index) => ({
          index,
          id: typeof e.body["id"] === "string" ? e.body["id"] : (expect.stringMatching(UUID_V7) as unknown),
          status: e.status,
        })),
      },
    }));
    expect(sent.map((s) => ({ name: s.request.name, status: s.status, body: s.body }))).toEqual(expected);
    // The V6 heartbeat sent twice without an id got two different server ids.
    const generated = sent.flatMap((s) =>
      (s.body as { results: { id: string }[] }).results.map((r) => r.id).filter((id) => UUID_V7.test(id)),
    );
    expect(new Set(generated).size).toBe(2);
  });

  it.each(STATS)("GET /v1/videos/%s/stats equals the hand-computed metrics", async (videoId, metrics) => {
    const r = await p.get(`/v1/videos/${videoId}/stats?${range}`);
    expect(r).toEqual({ status: 200, body: { video_id: videoId, from, to, ...metrics } });
  });

  it("counts V14 for m5 once the range includes it (default range: the last 24 h and the next 24 h)", async () => {
    const r = await p.get(`/v1/videos/m5/stats`);
    const body = r.body as Record<string, unknown>;
    expect(r.status).toBe(200);
    expect(Date.parse(String(body["to"])) - Date.parse(String(body["from"]))).toBe(48 * HOUR);
    expect(body).toMatchObject({
      views: 2, // V13 V14
      plays: 2,
      unique_viewers: 2, // u4 u2
      watch_time_ms: 15_000, // 10 000 + 5000
      startup_ms_p50: 100, // [100, 100][1]
      startup_ms_p95: 100,
      rebuffer_ratio: 0,
    });
  });

  it.each([
    ["views", "", [TOP.m1, TOP.m2, TOP.m3, TOP.m4, TOP.m5, TOP.m6]], // 4, 3, 2, 2, 1, 1 (ties by id)
    ["watch_time", "", [TOP.m1, TOP.m3, TOP.m2, TOP.m4, TOP.m6, TOP.m5]], // 668 000, 330 000, 177 000, 105 000, 99 000, 10 000
    ["views", "&limit=3", [TOP.m1, TOP.m2, TOP.m3]],
    ["watch_time", "&limit=1", [TOP.m1]],
  ])("GET /v1/videos/top?by=%s%s ranks the titles by hand", async (by, limit, items) => {
    const r = await p.get(`/v1/videos/top?by=${by}&${range}${limit}`);
    expect(r).toEqual({ status: 200, body: { from, to, by, items } });
  });

  it("GET /v1/trending ranks by decayed play count: more plays or more recent plays win", async () => {
    const r = await p.get("/v1/trending");
    expect(r.status).toBe(200);
    const body = r.body as {
      as_of: string;
      half_life_hours: number;
      items: { video_id: string; plays: number; score: number; title: string | null }[];
    };
    const asOf = Date.parse(body.as_of);
    // Relative to 2^(s/3600) with s in seconds after t0 (the order does not depend on as_of):
    // m2 2^0.278 + 2^0.306 + 2^0.361 ≈ 3.73; m4 2^0.834 + 2^0.862 ≈ 3.60; m1 2^0.028 + 2^0.056 + 2^0.112 ≈ 3.14;
    // m3 2^0.556 + 2^0.667 ≈ 3.06; m5 2^1.028 + 2^-0.500 ≈ 2.75; m6 2^0.973 ≈ 1.96.
    expect(body.half_life_hours).toBe(HALF_LIFE_HOURS);
    expect(body.items.map(({ video_id, plays, title }) => ({ video_id, plays, title }))).toEqual([
      { video_id: "m2", plays: 3, title: "Brick" },
      { video_id: "m4", plays: 2, title: "Dune" },
      { video_id: "m1", plays: 3, title: "Arrival" },
      { video_id: "m3", plays: 2, title: "Coda" },
      { video_id: "m5", plays: 2, title: "Elio" },
      { video_id: "m6", plays: 1, title: null },
    ]);
    for (const item of body.items) expect(item.score).toBeCloseTo(decayed(item.video_id, asOf), 9);

    const two = await p.get("/v1/trending?limit=2");
    expect((two.body as typeof body).items.map((i) => i.video_id)).toEqual(["m2", "m4"]);
  });

  // Watched (≥ 30 000 ms played or completed), by title: m1 {u1, u2}, m2 {u1, u2, u3},
  // m3 {u2, u3 (exactly 30 000)}, m4 {u3, u4}, m6 {u1}; m5 nobody (V13 10 000, V14 5000).
  // Cosine similarity sim(A, B) = users(A ∧ B) / √(users(A) · users(B)).
  it.each<{ user: string; expected: ExpectedRecommendation[] }>([
    {
      user: "u4",
      // Continue watching, most recent first: m4 at 60 000 / 900 000 (V10 at t0+3061 s), then m1 at
      // 45 000 / 600 000 (V4's last event, the fatal failure at t0+420 s, after seeking to 44 s).
      // m5 stopped at 10 000 / 1 000 000 = 1 % < 5 %.
      // u4 watched only m4; u3 also watched m4 and watched m2 and m3:
      // m3: 1 / √(2 · 2) = 0.5; m2: 1 / √(2 · 3) = 0.4082482904638631. Then trending fills: m5.
      expected: [
        { video_id: "m4", title: "Dune", score: 0.06666666666666667, reason: "continue_watching" },
        { video_id: "m1", title: "Arrival", score: 0.075, reason: "continue_watching" },
        {
          video_id: "m3",
          title: "Coda",
          score: 0.5,
          reason: "because_you_watched",
          because: { video_id: "m4", title: "Dune" },
        },
        {
          video_id: "m2",
          title: "Brick",
          score: 0.4082482904638631,
          reason: "because_you_watched",
          because: { video_id: "m4", title: "Dune" },
        },
        { video_id: "m5", title: "Elio", reason: "trending" },
      ],
    },
    {
      user: "u2",
      // Completed m1 and m3: never recommended. Continue watching: m2 at 99 000 / 1 200 000 = 0.0825.
      // Co-watchers of u2's titles {m1, m2, m3}: u1 {m1, m2, m6}, u2, u3 {m2, m3, m4}. Candidates:
      // m1, m2, m3 (completed or taken), m6 (not in the catalog), and m4 via u3:
      // m4~m2 = 1 / √(2 · 3) ≈ 0.408, m4~m3 = 1 / √(2 · 2) = 0.5, so because m3. Trending fills: m5.
      expected: [
        { video_id: "m2", title: "Brick", score: 0.0825, reason: "continue_watching" },
        {
          video_id: "m4",
          title: "Dune",
          score: 0.5,
          reason: "because_you_watched",
          because: { video_id: "m3", title: "Coda" },
        },
        { video_id: "m5", title: "Elio", reason: "trending" },
      ],
    },
    {
      user: "newcomer",
      // No history: the trending order, catalog titles only (m6 left out).
      expected: [
        { video_id: "m2", title: "Brick", reason: "trending" },
        { video_id: "m4", title: "Dune", reason: "trending" },
        { video_id: "m1", title: "Arrival", reason: "trending" },
        { video_id: "m3", title: "Coda", reason: "trending" },
        { video_id: "m5", title: "Elio", reason: "trending" },
      ],
    },
  ])("GET /v1/users/$user/recommendations equals the hand-computed rows", async ({ user, expected }) => {
    const before = Date.now();
    const r = await p.get(`/v1/users/${user}/recommendations`);
    const after = Date.now();
    expect(r.status).toBe(200);
    const body = r.body as { user_id: string; items: { video_id: string; reason: string; score: number }[] };
    expect(body.user_id).toBe(user);
    // Exact scores for continue_watching and because_you_watched; a trending score depends on the moment the server
    // computed it, which lies between `before` and `after`.
    expect(body.items).toEqual(
      expected.map((item) => ({
        ...item,
        score: (item.score === undefined ? expect.any(Number) : expect.closeTo(item.score, 12)) as unknown,
      })),
    );
    for (const item of body.items.filter((i) => i.reason === "trending")) {
      expect(item.score).toBeLessThanOrEqual(decayed(item.video_id, before) + 1e-12);
      expect(item.score).toBeGreaterThanOrEqual(decayed(item.video_id, after) - 1e-12);
    }

    const first = await p.get(`/v1/users/${user}/recommendations?limit=1`);
    expect((first.body as typeof body).items.map((i) => i.video_id)).toEqual([expected[0]?.video_id]);
  });

  it("GET /v1/experiments/:id splits the metrics by variant", async () => {
    const r = await p.get(`/v1/experiments/${EXPERIMENT}?${range}`);
    expect(r).toEqual({
      status: 200,
      body: {
        experiment_id: EXPERIMENT,
        from,
        to,
        variants: [
          {
            variant: "a", // V1 (u1 m1), V3 (u3 m1), V5 (u1 m2)
            views: 3,
            plays: 2, // V1 V5
            unique_viewers: 2, // u1 u3
            watch_time_ms: 96_000, // 58 000 + 0 + 38 000
            completions: 0,
            completion_rate: 0, // 0 / 2
            startup_ms_p50: 800, // [400, 800][1]
            startup_ms_p95: 800,
            rebuffer_ratio: 0.0051813471502590676, // 500 / (96 000 + 500)
            exits_before_start: 1, // V3
            failures: 0,
            failure_rate: 0, // 0 / 3
          },
          {
            variant: "b", // V2 (u2 m1), V4 (u4 m1)
            views: 2,
            plays: 2,
            unique_viewers: 2,
            watch_time_ms: 610_000, // 600 000 + 10 000
            completions: 1, // V2
            completion_rate: 0.5, // 1 / 2
            startup_ms_p50: 3000, // [1200, 3000][1]
            startup_ms_p95: 3000,
            rebuffer_ratio: 0.0057049714751426246, // (2000 + 1500) / (610 000 + 3500)
            exits_before_start: 0,
            failures: 1, // V4
            failure_rate: 0.5, // 1 / 2
          },
        ],
        warnings: [`no definition for "${EXPERIMENT}": POST /v1/experiments to get a verdict (docs/experiments.md)`],
        definition: null,
        verdict: null,
      },
    });
    const none = await p.get(`/v1/experiments/no-such-experiment?${range}`);
    expect(none).toEqual({
      status: 200,
      body: {
        experiment_id: "no-such-experiment",
        from,
        to,
        variants: [],
        warnings: [
          'no definition for "no-such-experiment": POST /v1/experiments to get a verdict (docs/experiments.md)',
        ],
        definition: null,
        verdict: null,
      },
    });
  });
});
