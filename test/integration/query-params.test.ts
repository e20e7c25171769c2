/**
 * Query parameters: every bad value answers 400 with the exact reason, and ids that need SQL
 * escaping (quotes, backslashes, slashes, percent signs) round-trip through ClickHouse.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startPipeline, type Pipeline } from "../helpers/index.ts";
import { openJetStream } from "../helpers/jetstream.ts";
import { acceptedIds, waitUntilStored, type ScenarioRequest } from "../helpers/scenario.ts";

const bad = (message: string) => ({ status: 400, body: { error: { code: "invalid_parameter", message } } });
const TIME_HINT = "must be an ISO 8601 time (2026-01-02T03:04:05Z) or epoch milliseconds";
const BEFORE_1970 = "must be 1970-01-01T00:00:00Z or later (times are stored as milliseconds since then)";
const LIMIT_HINT = "must be an integer between 1 and 100";

// Ids a naive quoting would break: quote, double quote, backslash (and a neighbour that differs
// by one backslash), a path separator and a percent sign.
const QUOTED = `it's "q" \\ x`;
const NEIGHBOUR = `it's "q" \\\\ x`;
const SLASHED = "a/b%c";
const USER = `o'brien \\ "u"`;
const EXPERIMENT = `exp "'\\`;
const VARIANT = "v'1";

describe("query parameters", () => {
  let p: Pipeline;

  beforeAll(async () => {
    const natsUrl = inject("natsUrl");
    p = await startPipeline({ natsUrl, clickhouseUrl: inject("clickhouseUrl") });
    const at = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000).toISOString();
    const play = (
      id: string,
      videoId: string,
      viewId: string,
      type: string,
      minutesAgo: number,
      extra: Record<string, unknown> = {},
    ) => ({
      id,
      type: `user.video.${type}`,
      timestamp: at(minutesAgo),
      user_id: USER,
      view_id: viewId,
      video_id: videoId,
      position_ms: 0,
      experiment: { id: EXPERIMENT, variant: VARIANT },
      ...extra,
    });
    const events = [
      {
        id: "q-cat",
        type: "video.encoding.completed",
        timestamp: at(60),
        video_id: QUOTED,
        title: `Say "hi" \\ 'bye'`,
        duration_ms: 100_000,
        genres: [`it's`],
      },
      play("q-1", QUOTED, `view'1`, "play_requested", 30),
      play("q-2", QUOTED, `view'1`, "played", 29, { startup_ms: 250 }),
      play("q-3", QUOTED, `view'1`, "heartbeat", 28, { played_ms: 40_000, rebuffer_ms: 1000, position_ms: 40_000 }),
      play("n-1", NEIGHBOUR, "view\\2", "play_requested", 27),
      play("n-2", NEIGHBOUR, "view\\3", "play_requested", 26),
      play("s-1", SLASHED, "view/4", "play_requested", 25),
      play("s-2", SLASHED, "view/4", "played", 24, { startup_ms: 75 }),
    ];
    const request: ScenarioRequest = {
      name: "quoted ids",
      format: "array",
      events: events.map((body) => ({ body, status: "accepted" })),
    };
    const r = await p.send(events);
    expect(r.status).toBe(202);
    await using js = await openJetStream(natsUrl);
    await waitUntilStored(p, js, acceptedIds([{ request, status: r.status, body: r.body }]));
  }, 90_000);
  afterAll(async () => {
    await p?.stop();
  });

  it.each([
    ["/v1/videos/m1/stats?from=yesterday", bad(`from: ${TIME_HINT}, got "yesterday"`)],
    ["/v1/videos/m1/stats?to=2026-01-02T03:04", bad(`to: ${TIME_HINT}, got "2026-01-02T03:04"`)],
    ["/v1/videos/m1/stats?from=2026-01-02%2003:04:05Z", bad(`from: ${TIME_HINT}, got "2026-01-02 03:04:05Z"`)],
    ["/v1/videos/m1/stats?from=2026-13-01", bad(`from: ${TIME_HINT}, got "2026-13-01"`)],
    ["/v1/videos/m1/stats?from=2026-02-30", bad(`from: ${TIME_HINT}, got "2026-02-30"`)],
    ["/v1/videos/m1/stats?from=-1", bad(`from: ${TIME_HINT}, got "-1"`)],
    ["/v1/videos/m1/stats?from=1.5", bad(`from: ${TIME_HINT}, got "1.5"`)],
    ["/v1/videos/m1/stats?from=1234567890123456", bad(`from: ${TIME_HINT}, got "1234567890123456"`)],
    [
      "/v1/videos/m1/stats?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z",
      bad("from must be before to (from=2026-01-02T00:00:00.000Z, to=2026-01-01T00:00:00.000Z)"),
    ],
    [
      "/v1/videos/m1/stats?from=1767225600000&to=1767225600000",
      bad("from must be before to (from=2026-01-01T00:00:00.000Z, to=2026-01-01T00:00:00.000Z)"),
    ],
    ["/v1/videos/top?from=soon", bad(`from: ${TIME_HINT}, got "soon"`)],
    [
      "/v1/videos/top?from=2026-01-02&to=2026-01-01",
      bad("from must be before to (from=2026-01-02T00:00:00.000Z, to=2026-01-01T00:00:00.000Z)"),
    ],
    [`/v1/experiments/e1?to=${"9".repeat(70)}`, bad(`to: ${TIME_HINT}, got "${"9".repeat(64)}"`)],
    ["/v1/videos/x/stats?from=1969-12-31", bad(`from: ${BEFORE_1970}, got "1969-12-31"`)],
    ["/v1/videos/top?from=1969-12-31T23:59:59Z", bad(`from: ${BEFORE_1970}, got "1969-12-31T23:59:59Z"`)],
    ["/v1/experiments/e1?from=1969-12-31", bad(`from: ${BEFORE_1970}, got "1969-12-31"`)],
    ["/v1/experiments/e1?to=1969-12-31", bad(`to: ${BEFORE_1970}, got "1969-12-31"`)],
    // A default span that reaches back before 1970: the query refuses the value, the answer is a 400.
    ["/v1/concurrency?to=1970-01-01T00:30:00Z", bad("a value cannot be used in the query: not a UInt64: -360")],
    ["/v1/videos/top?by=plays", bad('by: must be one of views, watch_time, got "plays"')],
    ["/v1/videos/top?by=VIEWS", bad('by: must be one of views, watch_time, got "VIEWS"')],
    ["/v1/videos/top?limit=0", bad(`limit: ${LIMIT_HINT}, got "0"`)],
    ["/v1/videos/top?limit=101", bad(`limit: ${LIMIT_HINT}, got "101"`)],
    ["/v1/videos/top?limit=-1", bad(`limit: ${LIMIT_HINT}, got "-1"`)],
    ["/v1/trending?limit=1.5", bad(`limit: ${LIMIT_HINT}, got "1.5"`)],
    ["/v1/trending?limit=ten", bad(`limit: ${LIMIT_HINT}, got "ten"`)],
    ["/v1/trending?limit=00000", bad(`limit: ${LIMIT_HINT}, got "00000"`)],
    [`/v1/users/u1/recommendations?limit=${"1".repeat(40)}`, bad(`limit: ${LIMIT_HINT}, got "${"1".repeat(32)}"`)],
    [`/v1/videos/${"v".repeat(129)}/stats`, bad("video_id: must be 1-128 characters without control characters")],
    ["/v1/videos/m%0A1/stats", bad("video_id: must be 1-128 characters without control characters")],
    [
      `/v1/users/${"u".repeat(129)}/recommendations`,
      bad("user_id: must be 1-128 characters without control characters"),
    ],
    ["/v1/users/u%001/recommendations", bad("user_id: must be 1-128 characters without control characters")],
    ["/v1/experiments/e%7F1", bad("experiment_id: must be 1-128 characters without control characters")],
  ])("GET %s answers 400 with the reason", async (path, expected) => {
    expect(await p.get(path)).toEqual(expected);
  });

  it.each([
    [
      "an offset",
      "from=2026-01-01T02:00:00%2B02:00&to=2026-01-01T01:00:00.5Z",
      "2026-01-01T00:00:00.000Z",
      "2026-01-01T01:00:00.500Z",
    ],
    [
      "epoch milliseconds",
      "from=1767225600000&to=1767225600001",
      "2026-01-01T00:00:00.000Z",
      "2026-01-01T00:00:00.001Z",
    ],
    ["dates", "from=2026-01-01&to=2026-01-02", "2026-01-01T00:00:00.000Z", "2026-01-02T00:00:00.000Z"],
  ])("accepts times with %s", async (_, query, from, to) => {
    const r = await p.get(`/v1/videos/m1/stats?${query}`);
    expect(r).toMatchObject({ status: 200, body: { video_id: "m1", from, to, views: 0 } });
  });

  it("reads the stats of ids with quotes and backslashes back exactly", async () => {
    expect(await p.get(`/v1/videos/${encodeURIComponent(QUOTED)}/stats`)).toMatchObject({
      status: 200,
      body: {
        video_id: QUOTED,
        views: 1,
        plays: 1,
        unique_viewers: 1,
        watch_time_ms: 40_000,
        startup_ms_p50: 250,
        rebuffer_ratio: 1000 / 41_000,
      },
    });
    expect(await p.get(`/v1/videos/${encodeURIComponent(NEIGHBOUR)}/stats`)).toMatchObject({
      status: 200,
      body: { video_id: NEIGHBOUR, views: 2, plays: 0, unique_viewers: 1, watch_time_ms: 0, startup_ms_p50: null },
    });
    expect(await p.get(`/v1/videos/${encodeURIComponent(SLASHED)}/stats`)).toMatchObject({
      status: 200,
      body: { video_id: SLASHED, views: 1, plays: 1, startup_ms_p50: 75 },
    });
  });

  it("lists the quoted ids in top, trending, recommendations and experiments", async () => {
    expect((await p.get("/v1/videos/top?by=views")).body).toMatchObject({
      items: [
        { video_id: NEIGHBOUR, title: null, views: 2, watch_time_ms: 0 },
        { video_id: SLASHED, title: null, views: 1, watch_time_ms: 0 },
        { video_id: QUOTED, title: `Say "hi" \\ 'bye'`, views: 1, watch_time_ms: 40_000 },
      ],
    });
    const trending = (await p.get("/v1/trending")).body as {
      items: { video_id: string; plays: number; title: string | null }[];
    };
    // One play each; SLASHED played five minutes later, so it decayed less.
    expect(trending.items.map(({ video_id, plays, title }) => ({ video_id, plays, title }))).toEqual([
      { video_id: SLASHED, plays: 1, title: null },
      { video_id: QUOTED, plays: 1, title: `Say "hi" \\ 'bye'` },
    ]);
    // The user stopped at 40 000 of 100 000 ms: continue watching, score 0.4.
    expect(await p.get(`/v1/users/${encodeURIComponent(USER)}/recommendations`)).toEqual({
      status: 200,
      body: {
        user_id: USER,
        items: [{ video_id: QUOTED, title: `Say "hi" \\ 'bye'`, score: 0.4, reason: "continue_watching" }],
      },
    });
    expect(await p.get(`/v1/experiments/${encodeURIComponent(EXPERIMENT)}`)).toMatchObject({
      status: 200,
      body: {
        experiment_id: EXPERIMENT,
        variants: [{ variant: VARIANT, views: 4, plays: 2, unique_viewers: 1, watch_time_ms: 40_000 }],
      },
    });
  });
});
