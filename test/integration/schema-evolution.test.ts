/**
 * Schema evolution end to end: clients on v1 and v2 of `user.video.heartbeat` (a renamed field,
 * upcast on read) and `user.video.failed` (a new optional field) send side by side; the stream
 * keeps each event as sent; the consumers store both versions in the same columns; every
 * metric is computed over both.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { sql } from "../../src/store/index.ts";
import { startPipeline, waitFor, type Pipeline } from "../helpers/index.ts";
import { openJetStream, type JetStreamProbe } from "../helpers/jetstream.ts";

const HOUR = 3_600_000;
const t0 = Math.floor((Date.now() - 2 * HOUR) / 1000) * 1000;
const at = (s: number) => new Date(t0 + s * 1000).toISOString();
const a = { user_id: "ua", view_id: "va", video_id: "vid-evo" };
const b = { user_id: "ub", view_id: "vb", video_id: "vid-evo" };

// View a: a v1 client. View b: a v2 client (heartbeat v2 calls rebuffering stall_ms; failed v2 carries played_ms).
const EVENTS = [
  { id: "rq-a", type: "user.video.play_requested", timestamp: at(0), ...a, position_ms: 0 },
  { id: "pl-a", type: "user.video.played", timestamp: at(1), ...a, position_ms: 0, startup_ms: 800 },
  {
    id: "hb-a1",
    type: "user.video.heartbeat",
    timestamp: at(31),
    ...a,
    position_ms: 30_000,
    played_ms: 30_000,
    rebuffer_ms: 500,
  },
  {
    id: "hb-a2",
    type: "user.video.heartbeat",
    schema_version: 1,
    timestamp: at(52),
    ...a,
    position_ms: 50_000,
    played_ms: 50_000,
    rebuffer_ms: 700,
  },
  {
    id: "co-a",
    type: "user.video.completed",
    timestamp: at(62),
    ...a,
    position_ms: 60_000,
    played_ms: 60_000,
    rebuffer_ms: 700,
  },
  { id: "rq-b", type: "user.video.play_requested", timestamp: at(100), ...b, position_ms: 0 },
  { id: "pl-b", type: "user.video.played", timestamp: at(101), ...b, position_ms: 0, startup_ms: 1200 },
  {
    id: "hb-b",
    type: "user.video.heartbeat",
    schema_version: 2,
    timestamp: at(121),
    ...b,
    position_ms: 20_000,
    played_ms: 20_000,
    stall_ms: 300,
  },
  {
    id: "fa-b",
    type: "user.video.failed",
    schema_version: 2,
    timestamp: at(127),
    ...b,
    position_ms: 25_000,
    error_code: "DRM",
    fatal: true,
    played_ms: 25_000,
  },
];

let p: Pipeline;
let js: JetStreamProbe;

beforeAll(async () => {
  p = await startPipeline({ natsUrl: inject("natsUrl"), clickhouseUrl: inject("clickhouseUrl") });
  js = await openJetStream(inject("natsUrl"));
  expect((await p.send(EVENTS)).body).toMatchObject({ accepted: 9, rejected: 0 });
  await waitFor(
    async () =>
      (await js.drained(p.config.stream.name)) &&
      (await p.store.select(sql`SELECT DISTINCT id FROM ${p.store.db}.events`)).length === 9,
    {
      timeoutMs: 30_000,
      intervalMs: 200,
      what: "9 events stored",
    },
  );
}, 60_000);

afterAll(async () => {
  await js.close();
  await p.stop();
});

describe("schema evolution", () => {
  it("the stream keeps each event as it was sent (upcasting happens on read)", async () => {
    const byId = new Map((await js.messages(p.config.stream.name)).map((m) => [m.msgId, m.body]));
    expect(byId.get("hb-a1")).toMatchObject({ schema_version: 1, rebuffer_ms: 500 });
    expect(byId.get("hb-a1")).not.toHaveProperty("stall_ms");
    expect(byId.get("hb-b")).toMatchObject({ schema_version: 2, stall_ms: 300 });
    expect(byId.get("hb-b")).not.toHaveProperty("rebuffer_ms");
  });

  it("analytics stores v1 and v2 in the same columns, with the version each was sent with", async () => {
    const rows = await p.store.select(
      sql`SELECT id, schema_version, played_ms, rebuffer_ms FROM ${p.store.db}.events WHERE type IN ('user.video.heartbeat', 'user.video.failed') ORDER BY id`,
    );
    expect(rows).toEqual([
      { id: "fa-b", schema_version: 2, played_ms: "25000", rebuffer_ms: "0" },
      { id: "hb-a1", schema_version: 1, played_ms: "30000", rebuffer_ms: "500" },
      { id: "hb-a2", schema_version: 1, played_ms: "50000", rebuffer_ms: "700" },
      { id: "hb-b", schema_version: 2, played_ms: "20000", rebuffer_ms: "300" },
    ]);
    const rec = await p.store.select(
      sql`SELECT id, played_ms FROM ${p.store.db}.rec_events WHERE view_id = 'vb' ORDER BY id`,
    );
    expect(rec).toEqual([
      { id: "fa-b", played_ms: "25000" },
      { id: "hb-b", played_ms: "20000" },
      { id: "pl-b", played_ms: "0" },
      { id: "rq-b", played_ms: "0" },
    ]);
  });

  it("every metric counts both versions", async () => {
    const range = `from=${encodeURIComponent(at(-60))}&to=${encodeURIComponent(at(3600))}`;
    const r = await p.get(`/v1/videos/vid-evo/stats?${range}`);
    // Watch time: view a's max played_ms 60 s + view b's 25 s (from failed v2's new field). Rebuffering: 700 + 300 (v2 stall_ms).
    // Startup percentiles: quantileExact over [800, 1200] at index floor(q · 2) = 1.
    expect(r).toEqual({
      status: 200,
      body: {
        video_id: "vid-evo",
        from: at(-60),
        to: at(3600),
        views: 2,
        plays: 2,
        unique_viewers: 2,
        watch_time_ms: 85_000,
        completions: 1,
        completion_rate: 0.5,
        startup_ms_p50: 1200,
        startup_ms_p95: 1200,
        rebuffer_ratio: 1000 / 86_000,
        exits_before_start: 0,
        failures: 1,
        failure_rate: 0.5,
      },
    });
  });

  const hb = { type: "user.video.heartbeat", timestamp: at(200), ...b, position_ms: 0, played_ms: 0 };
  it.each([
    [
      "v2 with the v1 field name as well",
      { ...hb, id: "x1", schema_version: 2, stall_ms: 1, rebuffer_ms: 1 },
      "rebuffer_ms: unknown field for user.video.heartbeat v2",
    ],
    [
      "v2 with the v1 field name only",
      { ...hb, id: "x2", schema_version: 2, rebuffer_ms: 1 },
      "stall_ms: required field is missing",
    ],
    [
      "v1 with the v2 field name",
      { ...hb, id: "x3", rebuffer_ms: 1, stall_ms: 1 },
      "stall_ms: unknown field for user.video.heartbeat v1",
    ],
    [
      "a version that does not exist",
      { ...hb, id: "x4", schema_version: 3, stall_ms: 1 },
      "schema_version: user.video.heartbeat has versions 1, 2, got 3",
    ],
    [
      "v2 of a type that has only v1",
      { id: "x5", type: "user.video.paused", schema_version: 2, timestamp: at(200), ...b, position_ms: 0 },
      "schema_version: user.video.paused has versions 1, got 2",
    ],
    [
      "played_ms on failed v1",
      {
        id: "x6",
        type: "user.video.failed",
        timestamp: at(200),
        ...b,
        position_ms: 0,
        error_code: "E",
        fatal: false,
        played_ms: 5,
      },
      "played_ms: unknown field for user.video.failed v1",
    ],
  ])("the edge rejects %s", async (_name, body, error) => {
    expect(await p.send([body])).toMatchObject({
      status: 400,
      body: { accepted: 0, rejected: 1, results: [{ index: 0, id: body.id, status: "rejected", error }] },
    });
  });
});
