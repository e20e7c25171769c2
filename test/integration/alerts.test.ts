/**
 * Alert rules and their figures on real NATS and ClickHouse: rules through the HTTP API and
 * PLAYPULSE_ALERT_RULES (create once, immutable, delete, configured ones read-only), the rule
 * figures computed by `observe` from events sent through the edge (failure rate per CDN and per
 * title, startup p95 per country, the drop of concurrent viewers), each counted by hand here, and
 * GET /v1/alerts answering recorded alerts by state.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { alertEvent, observe, parseRule, recordAlerts, type AlertRule } from "../../src/alerts/index.ts";
import { createKey } from "../../src/keys/index.ts";
import { sql } from "../../src/store/index.ts";
import { startPipeline, waitFor, type Pipeline } from "../helpers/index.ts";

const NOW = Date.now();
const THEN = Math.floor((NOW - 60_000) / 5000) * 5000; // the 5 s bucket one 60 s window ago
/**
 * When the cdn and country views start: inside every 300 s window, and far enough back that a
 * played event (+100 ms) keeps no viewer counted at NOW's 5 s bucket with the 25 s ccv window,
 * whatever NOW's phase in its bucket (at −30 s, a NOW in the last 100 ms of a bucket counted them).
 */
const EARLIER = NOW - 40_000;
const admin = createKey("ops", ["admin"]);
const configRule = {
  id: "cfg_startup",
  metric: "startup_p95_ms",
  threshold: 4000,
  window_seconds: 300,
  split_by: "country",
};

const at = (ms: number) => new Date(ms).toISOString();
const base = (view: string, video: string, extra: object = {}) => ({
  user_id: `u-${view}`,
  view_id: view,
  video_id: video,
  position_ms: 0,
  ...extra,
});

/**
 * cdn-a (DE): 10 views played, startup 1000..1900 ms. cdn-b (FR): 4 fatal failures on m-bad and 6
 * views played with startup 5000 ms. 10 more views (no cdn, no country) on m-ccv, all watching one
 * window ago, 4 of them still watching now: 1 − 4/10 = 0.6 of the viewers gone.
 */
function events(): object[] {
  const out: object[] = [];
  const view = (id: string, video: string, ctx: object, t: number, played?: number) => {
    out.push({ ...base(id, video, ctx), id: `${id}.req`, type: "user.video.play_requested", timestamp: at(t) });
    if (played === undefined) {
      const failed = { ...base(id, video, ctx), id: `${id}.fail`, type: "user.video.failed", timestamp: at(t + 500) };
      out.push({ ...failed, error_code: "E_CDN", fatal: true });
    } else {
      out.push({
        ...base(id, video, ctx),
        id: `${id}.play`,
        type: "user.video.played",
        timestamp: at(t + 100),
        startup_ms: played,
      });
    }
  };
  for (let i = 0; i < 10; i++) view(`a${i}`, "m-ok", { cdn: "cdn-a", country: "DE" }, EARLIER, 1000 + i * 100);
  for (let i = 0; i < 4; i++) view(`bf${i}`, "m-bad", { cdn: "cdn-b", country: "FR" }, EARLIER);
  for (let i = 0; i < 6; i++) view(`bp${i}`, "m-ok", { cdn: "cdn-b", country: "FR" }, EARLIER, 5000);
  for (let i = 0; i < 10; i++) {
    view(`c${i}`, "m-ccv", {}, THEN - 1100, 800);
    if (i < 4) {
      const hb = { ...base(`c${i}`, "m-ccv"), id: `c${i}.hb`, type: "user.video.heartbeat", timestamp: at(NOW - 6000) };
      out.push({ ...hb, played_ms: 40_000, rebuffer_ms: 0 });
    }
  }
  return out;
}

let p: Pipeline;

beforeAll(async () => {
  p = await startPipeline({
    natsUrl: inject("natsUrl"),
    clickhouseUrl: inject("clickhouseUrl"),
    roles: ["ingest", "query", "analytics"],
    env: { PLAYPULSE_KEYS: admin.line, PLAYPULSE_ALERT_RULES: JSON.stringify([configRule]) },
  });
  const all = events();
  expect((await p.send(all)).status).toBe(202);
  await waitFor(
    async () => {
      const [row] = await p.store.select<{ n: string }>(sql`SELECT uniqExact(id) AS n FROM ${p.store.db}.events`);
      return Number(row?.n) === all.length;
    },
    { timeoutMs: 60_000, intervalMs: 200, what: `${all.length} events in ClickHouse` },
  );
}, 120_000);

afterAll(async () => {
  await p?.stop();
});

async function call(method: string, path: string, key: string | null, body?: unknown) {
  const res = await fetch(`${p.baseUrl}${path}`, {
    method,
    headers: { "content-type": "application/json", ...(key ? { authorization: `Bearer ${key}` } : {}) },
    ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const cdnRule = {
  id: "cdn_failures",
  metric: "failure_rate",
  threshold: 0.05,
  window_seconds: 300,
  min_volume: 5,
  split_by: "cdn",
};
const filled = (r: object) => ({
  comparison: ">",
  min_volume: 0,
  split_by: null,
  per_title: false,
  hysteresis: { ratio: 0.1, clear_evaluations: 2 },
  ...r,
});

describe("alert rules over HTTP", () => {
  it("admin only for writes, a read key for reads", async () => {
    expect(await call("POST", "/v1/alerts/rules", p.writeKey, cdnRule)).toMatchObject({ status: 403 });
    expect(await call("POST", "/v1/alerts/rules", p.readKey, cdnRule)).toMatchObject({ status: 403 });
    expect(await call("DELETE", "/v1/alerts/rules/x", p.readKey)).toMatchObject({ status: 403 });
    expect(await call("GET", "/v1/alerts/rules", admin.key)).toMatchObject({ status: 403 });
  });

  it("creates once, accepts the same rule again, refuses another one, deletes, lists with the configured one", async () => {
    expect(await call("POST", "/v1/alerts/rules", admin.key, cdnRule)).toEqual({
      status: 201,
      body: { created: true, rule: { ...filled(cdnRule), source: "api" } },
    });
    expect(await call("POST", "/v1/alerts/rules", admin.key, cdnRule)).toMatchObject({
      status: 200,
      body: { created: false },
    });
    expect(await call("POST", "/v1/alerts/rules", admin.key, { ...cdnRule, threshold: 0.1 })).toMatchObject({
      status: 409,
      body: { error: { code: "conflict" } },
    });
    const temp = { ...cdnRule, id: "temp" };
    expect(await call("POST", "/v1/alerts/rules", admin.key, temp)).toMatchObject({ status: 201 });
    expect(await call("GET", "/v1/alerts/rules", p.readKey)).toEqual({
      status: 200,
      body: {
        rules: [
          { ...filled(cdnRule), source: "api" },
          { ...filled(configRule), source: "config" },
          { ...filled(temp), source: "api" },
        ],
      },
    });
    expect(await call("DELETE", "/v1/alerts/rules/temp", admin.key)).toMatchObject({
      status: 200,
      body: { deleted: true },
    });
    expect(await call("DELETE", "/v1/alerts/rules/temp", admin.key)).toMatchObject({ status: 404 });
    expect(await call("DELETE", "/v1/alerts/rules/cfg_startup", admin.key)).toMatchObject({ status: 409 });
    expect(await call("POST", "/v1/alerts/rules", admin.key, { ...temp, threshold: 0.2 })).toMatchObject({
      status: 201,
    });
    const ids = ((await call("GET", "/v1/alerts/rules", p.readKey)).body.rules as AlertRule[]).map((r) => [
      r.id,
      r.threshold,
    ]);
    expect(ids).toEqual([
      ["cdn_failures", 0.05],
      ["cfg_startup", 4000],
      ["temp", 0.2],
    ]);
  });

  it("refuses a bad rule with every reason, and bad JSON", async () => {
    const r = await call("POST", "/v1/alerts/rules", admin.key, { ...cdnRule, metric: "joy", window_seconds: 1 });
    expect(r).toMatchObject({ status: 400, body: { error: { code: "invalid_rule" } } });
    expect((r.body.error as { message: string }).message).toMatch(/^metric: .*; window_seconds: /);
    expect(await call("POST", "/v1/alerts/rules", admin.key, "{nope")).toMatchObject({
      status: 400,
      body: { error: { code: "invalid_json" } },
    });
  });
});

describe("observe: a rule's figures from ClickHouse", () => {
  const rule = (r: object) => parseRule({ id: "x", threshold: 0, window_seconds: 300, ...r }, "api");
  const deps = () => ({ store: p.store, ccvWindowSeconds: p.config.ccv.windowSeconds });

  it.each<[string, object, { key: string; value: number | null; volume: number }[]]>([
    [
      "failure rate per cdn (views without a cdn left out)",
      { metric: "failure_rate", split_by: "cdn" },
      [
        { key: "cdn-a", value: 0, volume: 10 },
        { key: "cdn-b", value: 0.4, volume: 10 },
      ],
    ],
    ["failure rate over everything", { metric: "failure_rate" }, [{ key: "", value: 4 / 30, volume: 30 }]],
    [
      "failure rate per title",
      { metric: "failure_rate", split_by: "video_id" },
      [
        { key: "m-bad", value: 1, volume: 4 },
        { key: "m-ccv", value: 0, volume: 10 },
        { key: "m-ok", value: 0, volume: 16 },
      ],
    ],
    [
      "startup p95 per country (quantileExact: the element at ⌊0.95 × 10⌋ of the sorted ten)",
      { metric: "startup_p95_ms", split_by: "country" },
      [
        { key: "DE", value: 1900, volume: 10 },
        { key: "FR", value: 5000, volume: 10 },
      ],
    ],
    ["startup p95 over a window with nothing in it", { metric: "startup_p95_ms", window_seconds: 5 }, []],
    ["ccv drop over 60 s", { metric: "ccv_drop", window_seconds: 60 }, [{ key: "", value: 0.6, volume: 10 }]],
  ])("%s", async (_name, r, expected) => {
    const now = _name.includes("nothing in it") ? NOW - 600_000 : NOW;
    expect(await observe(deps(), rule(r), now)).toEqual(expected);
  });
});

describe("GET /v1/alerts", () => {
  it("answers each alert as its latest event, filtered by state", async () => {
    const rule = parseRule(cdnRule, "api");
    const fired = {
      kind: "fired" as const,
      rule_id: rule.id,
      key: "cdn-b",
      value: 0.4,
      fired_at: NOW - 9000,
      bucket: 0,
    };
    const other = { ...fired, key: "cdn-c", fired_at: NOW - 8000 };
    const resolved = { ...other, kind: "resolved" as const, value: 0, resolved_at: NOW - 1000 };
    const events = [fired, other, resolved].map((t) => alertEvent(rule, t));
    await recordAlerts(p.store, events);
    await recordAlerts(p.store, events); // written twice: the same alerts
    const [firing, gone] = [events[0], events[2]];
    expect((await call("GET", "/v1/alerts?state=firing", p.readKey)).body).toMatchObject({
      state: "firing",
      alerts: [firing],
    });
    expect((await call("GET", "/v1/alerts?state=resolved", p.readKey)).body).toMatchObject({ alerts: [gone] });
    expect((await call("GET", "/v1/alerts", p.readKey)).body).toMatchObject({ state: "any", alerts: [gone, firing] });
    expect(await call("GET", "/v1/alerts?state=asleep", p.readKey)).toMatchObject({ status: 400 });
    expect(await call("GET", "/v1/alerts", null)).toMatchObject({ status: 401 });
  });
});
