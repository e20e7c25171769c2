/**
 * The scripted viewing scenario of the end-to-end and redelivery tests. Every timestamp is
 * `t0 + seconds`; the hand-computed answers live next to the assertions in
 * test/integration/e2e.test.ts, which also explains each view.
 *
 * Catalog: m1 Arrival (600 s; a draft is sent first, the final version later: the catalog keeps the
 * version received last, whatever the events' timestamps), m2 Brick
 * (1200 s), m3 Coda (300 s), m4 Dune (900 s), m5 Elio (1000 s); m6 is watched but never
 * encoded, so it is not in the catalog.
 *
 * | view | user | video | what happens                                                      |
 * |------|------|-------|-------------------------------------------------------------------|
 * | V1   | u1   | m1    | plays to 58 s; heartbeat 20 s arrives after 50 s (out of order)   |
 * | V2   | u2   | m1    | completes (600 s); completed re-sent in a later request           |
 * | V3   | u3   | m1    | exits before start                                                |
 * | V4   | u4   | m1    | non-fatal then fatal failure after 10 s, seeked to 44 s           |
 * | V5   | u1   | m2    | 38 s                                                              |
 * | V6   | u2   | m2    | 99 s; non-fatal failure; a heartbeat sent twice without an id     |
 * | V7   | u3   | m2    | 40 s, still open                                                  |
 * | V8   | u2   | m3    | completes (300 s)                                                 |
 * | V9   | u3   | m3    | exactly 30 s                                                      |
 * | V10  | u4   | m4    | 60 s                                                              |
 * | V11  | u3   | m4    | 45 s; ended sent twice in one batch                               |
 * | V12  | u1   | m6    | 99 s (title not in the catalog)                                   |
 * | V13  | u4   | m5    | 10 s                                                              |
 * | V14  | u2   | m5    | 5 s, at t0 - 30 min: before the stats range, inside trending      |
 *
 * V1 (a), V2 (b), V3 (a), V4 (b) and V5 (a) run in experiment `exp-startup` (variant).
 */
export interface ScenarioEvent {
  body: Record<string, unknown>;
  /** The status the edge must answer for this event. */
  status: "accepted" | "duplicate";
}

export interface ScenarioRequest {
  name: string;
  /** `object`: one event as a JSON object; `array`: a JSON array; `ndjson`: one event a line. */
  format: "object" | "array" | "ndjson";
  events: ScenarioEvent[];
}

export interface Scenario {
  t0: number;
  requests: ScenarioRequest[];
}

interface View {
  view_id: string;
  user_id: string;
  video_id: string;
  experiment?: { id: string; variant: string };
}

export const EXPERIMENT = "exp-startup";

function view(viewId: string, userId: string, videoId: string, variant?: string): View {
  return {
    view_id: viewId,
    user_id: userId,
    video_id: videoId,
    ...(variant ? { experiment: { id: EXPERIMENT, variant } } : {}),
  };
}

const V1 = view("V1", "u1", "m1", "a");
const V2 = view("V2", "u2", "m1", "b");
const V3 = view("V3", "u3", "m1", "a");
const V4 = view("V4", "u4", "m1", "b");
const V5 = view("V5", "u1", "m2", "a");
const V6 = view("V6", "u2", "m2");
const V7 = view("V7", "u3", "m2");
const V8 = view("V8", "u2", "m3");
const V9 = view("V9", "u3", "m3");
const V10 = view("V10", "u4", "m4");
const V11 = view("V11", "u3", "m4");
const V12 = view("V12", "u1", "m6");
const V13 = view("V13", "u4", "m5");
const V14 = view("V14", "u2", "m5");

/** The event builders of a scenario whose time origin is `t0`. */
function builders(t0: number) {
  const at = (s: number) => new Date(t0 + s * 1000).toISOString();
  /** A play event of `v` at `t0 + s`; id `<view>.<type>.<s>` unless `id` is null (the edge assigns one). */
  const ev = (
    v: View,
    type: string,
    s: number,
    fields: Record<string, unknown> = {},
    id: string | null = `${v.view_id}.${type}.${s}`,
  ): Record<string, unknown> => ({
    ...(id === null ? {} : { id }),
    type: `user.video.${type}`,
    timestamp: at(s),
    user_id: v.user_id,
    view_id: v.view_id,
    video_id: v.video_id,
    position_ms: 0,
    ...(v.experiment ? { experiment: v.experiment } : {}),
    ...fields,
  });
  const hb = (played: number, rebuffer: number, position = played) => ({
    played_ms: played,
    rebuffer_ms: rebuffer,
    position_ms: position,
  });
  const title = (
    id: string,
    s: number,
    videoId: string,
    name: string,
    durationMs: number,
    genres: string[],
  ): Record<string, unknown> => ({
    id,
    type: "video.encoding.completed",
    timestamp: at(s),
    video_id: videoId,
    title: name,
    duration_ms: durationMs,
    genres,
  });
  const accepted = (body: Record<string, unknown>): ScenarioEvent => ({ body, status: "accepted" });
  const duplicate = (body: Record<string, unknown>): ScenarioEvent => ({ body, status: "duplicate" });
  return { ev, hb, title, accepted, duplicate };
}

type Builders = ReturnType<typeof builders>;

/** The events sent more than once, in different requests. */
function sharedEvents({ ev, hb }: Builders) {
  return {
    v1Played: ev(V1, "played", 102, { startup_ms: 800 }),
    v2Completed: ev(V2, "completed", 800, hb(600_000, 2000)),
    v6Heartbeat: ev(V6, "heartbeat", 1161, hb(60_000, 0), null),
    v11Ended: ev(V11, "ended", 3150, hb(45_000, 0)),
  };
}

type Shared = ReturnType<typeof sharedEvents>;

function catalogAndFirstViews({ ev, hb, title, accepted, duplicate }: Builders, x: Shared): ScenarioEvent[] {
  return [
    accepted(title("cat.m1.1", 1, "m1", "Arrival (draft)", 500_000, ["drama"])),
    accepted(title("cat.m2", 2, "m2", "Brick", 1_200_000, ["crime"])),
    accepted(title("cat.m3", 3, "m3", "Coda", 300_000, ["music"])),
    accepted(title("cat.m4", 4, "m4", "Dune", 900_000, ["sci-fi"])),
    accepted(title("cat.m5", 5, "m5", "Elio", 1_000_000, ["animation"])),
    accepted(ev(V1, "play_requested", 100, { duration_ms: 600_000 })),
    accepted(x.v1Played),
    duplicate(x.v1Played),
    accepted(ev(V1, "heartbeat", 112, hb(10_000, 0))),
    accepted(ev(V1, "heartbeat", 152, hb(50_000, 500))),
    accepted(ev(V1, "ended", 160, hb(58_000, 500))),
    accepted(ev(V2, "play_requested", 200, { duration_ms: 600_000 })),
    accepted(ev(V2, "played", 201, { startup_ms: 1200 })),
    accepted(ev(V2, "heartbeat", 211, hb(10_000, 0))),
    accepted(x.v2Completed),
    accepted(ev(V2, "ended", 801, hb(600_000, 2000))),
    accepted(ev(V3, "play_requested", 300)),
    accepted(ev(V3, "ended", 305, hb(0, 0))),
  ];
}

function lateHeartbeatV4V5({ ev, hb, title, accepted, duplicate }: Builders, x: Shared): ScenarioEvent[] {
  return [
    accepted(ev(V1, "heartbeat", 122, hb(20_000, 500))),
    duplicate(x.v2Completed),
    accepted(ev(V4, "play_requested", 400)),
    accepted(ev(V4, "played", 403, { startup_ms: 3000 })),
    accepted(ev(V4, "failed", 410, { position_ms: 7000, error_code: "E_NET", fatal: false })),
    accepted(ev(V4, "heartbeat", 413, hb(10_000, 1500))),
    accepted(ev(V4, "seeked", 415, { position_ms: 44_000, from_ms: 11_000, to_ms: 44_000 })),
    accepted(ev(V4, "failed", 420, { position_ms: 45_000, error_code: "E_DRM", fatal: true })),
    accepted(ev(V5, "play_requested", 1000, { duration_ms: 1_200_000 })),
    accepted(ev(V5, "played", 1002, { startup_ms: 400 })),
    accepted(ev(V5, "heartbeat", 1032, hb(30_000, 0))),
    accepted(ev(V5, "ended", 1040, hb(38_000, 0))),
    accepted(title("cat.m1.2", 5, "m1", "Arrival", 600_000, ["drama", "sci-fi"])),
  ];
}

function views6To9({ ev, hb, accepted }: Builders, x: Shared): ScenarioEvent[] {
  return [
    accepted(ev(V6, "play_requested", 1100)),
    accepted(ev(V6, "played", 1101, { startup_ms: 600 })),
    accepted(ev(V6, "failed", 1150, { position_ms: 49_000, error_code: "E_NET", fatal: false })),
    accepted(x.v6Heartbeat),
    accepted(ev(V6, "ended", 1200, hb(99_000, 1000))),
    accepted(ev(V7, "play_requested", 1300)),
    accepted(ev(V7, "played", 1301, { startup_ms: 700 })),
    accepted(ev(V7, "heartbeat", 1341, hb(40_000, 0))),
    accepted(ev(V8, "play_requested", 2000)),
    accepted(ev(V8, "played", 2001, { startup_ms: 500 })),
    accepted(ev(V8, "completed", 2300, hb(300_000, 0))),
    accepted(ev(V9, "play_requested", 2400)),
    accepted(ev(V9, "played", 2402, { startup_ms: 900 })),
    accepted(ev(V9, "heartbeat", 2432, hb(30_000, 0))),
  ];
}

function views10To14({ ev, hb, accepted, duplicate }: Builders, x: Shared): ScenarioEvent[] {
  return [
    accepted(ev(V10, "play_requested", 3000, { duration_ms: 900_000 })),
    accepted(ev(V10, "played", 3001, { startup_ms: 1000 })),
    accepted(ev(V10, "heartbeat", 3061, hb(60_000, 0))),
    accepted(ev(V11, "play_requested", 3100)),
    accepted(ev(V11, "played", 3103, { startup_ms: 2000 })),
    accepted(x.v11Ended),
    duplicate(x.v11Ended),
    accepted(ev(V12, "play_requested", 3500)),
    accepted(ev(V12, "played", 3501, { startup_ms: 300 })),
    accepted(ev(V12, "heartbeat", 3600, hb(99_000, 0))),
    accepted(ev(V13, "play_requested", 3700)),
    accepted(ev(V13, "played", 3701, { startup_ms: 100 })),
    accepted(ev(V13, "heartbeat", 3711, hb(10_000, 0))),
    accepted(ev(V14, "play_requested", -1800)),
    accepted(ev(V14, "played", -1799, { startup_ms: 100 })),
    accepted(ev(V14, "heartbeat", -1795, hb(5000, 0))),
    duplicate(x.v1Played),
  ];
}

/**
 * Builds the scenario with `t0` as its time origin (a whole second, some hours before now).
 *
 * @example
 * const scenario = buildScenario(Math.floor(Date.now() / 1000) * 1000 - 3 * 3600_000);
 * const sent = await sendScenario(pipeline, scenario);
 */
export function buildScenario(t0: number): Scenario {
  const b = builders(t0);
  const x = sharedEvents(b);
  const fifth = views10To14(b, x);
  return {
    t0,
    requests: [
      { name: "catalog, V1-V3", format: "array", events: catalogAndFirstViews(b, x) },
      { name: "late heartbeat, V4, V5, final catalog version", format: "ndjson", events: lateHeartbeatV4V5(b, x) },
      { name: "V6-V9", format: "array", events: views6To9(b, x) },
      // The same heartbeat re-sent without an idempotency key: a second row, the same max.
      { name: "V6 heartbeat again, no id", format: "object", events: [b.accepted(x.v6Heartbeat)] },
      { name: "V10-V14", format: "array", events: fifth },
      { name: "V10-V14 retried", format: "array", events: fifth.map((e) => b.duplicate(e.body)) },
    ],
  };
}

export { acceptedIds, sendScenario, waitUntilStored } from "./scenario-send.ts";
export type { SentRequest } from "./scenario-send.ts";
