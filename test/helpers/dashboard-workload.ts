/**
 * A small scripted workload for the dashboard's read API, with every answer worked out by hand
 * in test/integration/dashboard-api.test.ts. Times are seconds after `t0` (a whole minute).
 *
 * | view | title | user | cdn   | country | device     | events (s after t0)                                              |
 * |------|-------|------|-------|---------|------------|------------------------------------------------------------------|
 * | A    | m1    | u1   | cdn-a | DE      | tv/tizen   | requested 0, played 2 (startup 2000), hb 12, 22, 32, ended 40     |
 * | B    | m1    | u2   | cdn-b | US      | web/macos  | requested 10, played 11 (startup 1000), hb 21, then silence       |
 * | C    | m2    | u3   | —     | —       | —          | requested 3, failed 5 (fatal), ended 6: never a frame             |
 * | D    | m2    | u4   | cdn-a | DE      | tv/webos   | requested 20, played 21.5 (startup 1500), hb 31, completed 45     |
 * | E    | m1    | u5   | cdn-b | US      | web/macos  | requested -1800, played -1799 (startup 3000), ended -1700 (the previous hour) |
 */
export interface ScriptedEvent {
  id: string;
  type: string;
  timestamp: string;
  [k: string]: unknown;
}

interface ViewSpec {
  view: string;
  video: string;
  user: string;
  ctx: Record<string, unknown>;
  events: [string, number, Record<string, unknown>?][];
}

const tvTizen = { device: { type: "tv", os: "tizen", player: "shaka" }, country: "DE", cdn: "cdn-a" };
const web = { device: { type: "web", os: "macos", player: "hls.js" }, country: "US", cdn: "cdn-b" };

export const VIEWS: readonly ViewSpec[] = [
  {
    view: "A",
    video: "m1",
    user: "u1",
    ctx: tvTizen,
    events: [
      ["play_requested", 0],
      ["played", 2, { startup_ms: 2000 }],
      ["heartbeat", 12, { played_ms: 10_000, rebuffer_ms: 0 }],
      ["heartbeat", 22, { played_ms: 20_000, rebuffer_ms: 500 }],
      ["heartbeat", 32, { played_ms: 30_000, rebuffer_ms: 500 }],
      ["ended", 40, { played_ms: 38_000, rebuffer_ms: 500 }],
    ],
  },
  {
    view: "B",
    video: "m1",
    user: "u2",
    ctx: web,
    events: [
      ["play_requested", 10],
      ["played", 11, { startup_ms: 1000 }],
      ["heartbeat", 21, { played_ms: 10_000, rebuffer_ms: 0 }],
    ],
  },
  {
    view: "C",
    video: "m2",
    user: "u3",
    ctx: {},
    events: [
      ["play_requested", 3],
      ["failed", 5, { error_code: "MEDIA_ERR_NETWORK", fatal: true }],
      ["ended", 6, { played_ms: 0, rebuffer_ms: 0 }],
    ],
  },
  {
    view: "D",
    video: "m2",
    user: "u4",
    ctx: { ...tvTizen, device: { type: "tv", os: "webos", player: "shaka" } },
    events: [
      ["play_requested", 20],
      ["played", 21.5, { startup_ms: 1500 }],
      ["heartbeat", 31, { played_ms: 9000, rebuffer_ms: 0 }],
      ["completed", 45, { played_ms: 23_000, rebuffer_ms: 0 }],
    ],
  },
  {
    view: "E",
    video: "m1",
    user: "u5",
    ctx: web,
    events: [
      ["play_requested", -1800],
      ["played", -1799, { startup_ms: 3000 }],
      ["ended", -1700, { played_ms: 90_000, rebuffer_ms: 0 }],
    ],
  },
];

/** Every event of the workload, ids scoped by `ns`, timestamps from `t0` (ms). */
export function scriptedEvents(ns: string, t0: number): ScriptedEvent[] {
  return VIEWS.flatMap((v) =>
    v.events.map(([type, s, extra], i) => ({
      id: `${ns}-${v.view}-${i}`,
      type: `user.video.${type}`,
      timestamp: new Date(t0 + s * 1000).toISOString(),
      user_id: `${ns}-${v.user}`,
      view_id: `${ns}-${v.view}`,
      video_id: v.video,
      position_ms: 0,
      ...v.ctx,
      ...extra,
    })),
  );
}

/** Catalog titles for the workload; m1's title is markup that must be shown as text. */
export const XSS_TITLE = "<script>alert(1)</script>";
export function catalogEvents(ns: string, t0: number): ScriptedEvent[] {
  const titles: [string, string][] = [
    ["m1", XSS_TITLE],
    ["m2", "Harbor Lights"],
    ["m3", "Coastlines"],
  ];
  return titles.map(([video_id, title], i) => ({
    id: `${ns}-cat-${video_id}`,
    type: "video.encoding.completed",
    timestamp: new Date(t0 - 3_600_000 + i).toISOString(),
    video_id,
    title,
    duration_ms: 1_800_000,
    genres: ["drama"],
  }));
}

export const FAILING_CDN = "cdn-edge";

/**
 * 40 views starting 20 s apart from `t0`: 20 on cdn-a (1 fatal failure), 10 on cdn-b (none) and
 * 10 on cdn-edge (6 fatal failures: 60 %, against 7 / 40 = 17.5 % overall). The others play,
 * send one heartbeat and end.
 */
export function cdnEvents(ns: string, t0: number): ScriptedEvent[] {
  const countries = ["DE", "US", "BR", "JP"];
  const devices = [
    { type: "tv", os: "tizen", player: "shaka" },
    { type: "web", os: "windows", player: "hls.js" },
    { type: "mobile", os: "ios", player: "avplayer" },
  ];
  const out: ScriptedEvent[] = [];
  for (let i = 0; i < 40; i++) {
    const cdn = i < 20 ? "cdn-a" : i < 30 ? "cdn-b" : FAILING_CDN;
    const fails = i === 0 || (i >= 30 && i < 36);
    const start = t0 + i * 20_000;
    const base = {
      user_id: `${ns}-cu${i % 25}`,
      view_id: `${ns}-cv${i}`,
      video_id: `m${1 + (i % 3)}`,
      position_ms: 0,
      cdn,
      country: countries[i % countries.length],
      device: devices[i % devices.length],
    };
    const ev = (k: number, type: string, s: number, extra: Record<string, unknown> = {}) =>
      out.push({
        id: `${ns}-cv${i}-${k}`,
        type: `user.video.${type}`,
        timestamp: new Date(start + s * 1000).toISOString(),
        ...base,
        ...extra,
      });
    ev(0, "play_requested", 0);
    if (fails) {
      ev(1, "failed", 2, { error_code: "MEDIA_ERR_NETWORK", fatal: true });
      ev(2, "ended", 3, { played_ms: 0, rebuffer_ms: 0 });
      continue;
    }
    ev(1, "played", 1, { startup_ms: 600 + 37 * i });
    ev(2, "heartbeat", 11, { played_ms: 10_000, rebuffer_ms: i % 4 === 0 ? 800 : 0 });
    ev(3, i % 5 === 0 ? "completed" : "ended", 61, { played_ms: 60_000, rebuffer_ms: i % 4 === 0 ? 800 : 0 });
  }
  return out;
}

/** A view playing now: requested, first frame, one heartbeat, all in the last few seconds. */
export function liveViewEvents(ns: string, view: string, now: number, cdn = "cdn-a"): ScriptedEvent[] {
  const base = {
    user_id: `${ns}-live-${view}`,
    view_id: `${ns}-live-${view}`,
    video_id: "m2",
    position_ms: 0,
    cdn,
    country: "DE",
  };
  return [
    {
      id: `${ns}-live-${view}-0`,
      type: "user.video.play_requested",
      timestamp: new Date(now - 3000).toISOString(),
      ...base,
    },
    {
      id: `${ns}-live-${view}-1`,
      type: "user.video.played",
      timestamp: new Date(now - 2000).toISOString(),
      startup_ms: 1000,
      ...base,
    },
    {
      id: `${ns}-live-${view}-2`,
      type: "user.video.heartbeat",
      timestamp: new Date(now).toISOString(),
      played_ms: 1000,
      rebuffer_ms: 0,
      ...base,
    },
  ];
}

export function liveEndEvent(ns: string, view: string, now: number): ScriptedEvent {
  return {
    id: `${ns}-live-${view}-end`,
    type: "user.video.ended",
    timestamp: new Date(now).toISOString(),
    user_id: `${ns}-live-${view}`,
    view_id: `${ns}-live-${view}`,
    video_id: "m2",
    position_ms: 0,
    played_ms: 5000,
    rebuffer_ms: 0,
  };
}
