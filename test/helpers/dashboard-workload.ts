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
