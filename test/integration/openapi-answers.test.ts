/**
 * Every JSON route of the OpenAPI document called on a pipeline that holds data, each answer checked
 * against the document (status and body schema): the query routes with a stored view, the
 * experiment routes with a defined experiment, the Segment routes, the probes, and a 4xx of each
 * route family. `startPipeline`'s `send` and `get` check each answer themselves; this file makes
 * sure each route is among the answers checked (docs/api.md, "Contracts").
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { openApiDocument } from "../../src/contracts/index.ts";
import { documentedPath, expectAnswerMatchesOpenApi, startPipeline, waitFor, type Pipeline } from "../helpers/index.ts";

const t = Date.now() - 120_000;
const at = (ms: number) => new Date(t + ms).toISOString();
const base = { user_id: "u-oa", view_id: "v-oa", video_id: "m-oa", experiment: { id: "exp-oa", variant: "b" } };
const EVENTS = [
  { ...base, id: "oa-1", type: "user.video.play_requested", timestamp: at(0), position_ms: 0, country: "NL" },
  { ...base, id: "oa-2", type: "user.video.played", timestamp: at(500), position_ms: 0, startup_ms: 500 },
  {
    ...base,
    id: "oa-3",
    type: "user.video.heartbeat",
    timestamp: at(30_500),
    position_ms: 30_000,
    played_ms: 30_000,
    rebuffer_ms: 200,
  },
  {
    ...base,
    id: "oa-4",
    type: "user.video.completed",
    timestamp: at(60_500),
    position_ms: 60_000,
    played_ms: 60_000,
    rebuffer_ms: 200,
  },
  {
    id: "oa-5",
    type: "video.encoding.completed",
    timestamp: at(0),
    video_id: "m-oa",
    title: "Open Answers",
    duration_ms: 60_000,
    genres: ["documentary"],
  },
];

describe("every JSON route answers as the OpenAPI document says", () => {
  let p: Pipeline;
  const exercised = new Set<string>();
  const doc = openApiDocument();

  /** A request whose answer is checked against the document; its operation and status are noted. */
  async function call(
    method: "GET" | "POST",
    path: string,
    init: { body?: unknown; headers?: Record<string, string> },
  ) {
    const res = await fetch(`${p.baseUrl}${path}`, {
      method,
      headers: { "content-type": "application/json", ...init.headers },
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    });
    const body: unknown = await res.json();
    expectAnswerMatchesOpenApi(method, path, res.status, body);
    exercised.add(`${method} ${documentedPath(doc, method, path)} ${res.status}`);
    return { status: res.status, body };
  }
  const get = async (path: string, key: string | null = p.readKey) => {
    const r = await p.get(path, key);
    exercised.add(`GET ${documentedPath(doc, "GET", path)} ${r.status}`);
    return r;
  };
  const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

  beforeAll(async () => {
    p = await startPipeline({ natsUrl: inject("natsUrl"), clickhouseUrl: inject("clickhouseUrl") });
    expect((await p.send(EVENTS)).body).toMatchObject({ accepted: 5 });
    await waitFor(
      async () => {
        const [done, catalog] = await Promise.all([get("/v1/events/oa-4"), get("/v1/events/oa-5")]);
        const waiting = (r: { body: unknown }) => (r.body as { waiting_for?: string[] }).waiting_for?.length;
        return done.status === 200 && catalog.status === 200 && waiting(done) === 0 && waiting(catalog) === 0;
      },
      { timeoutMs: 60_000, intervalMs: 250, what: "the view and the catalog entry stored by every consumer" },
    );
  }, 120_000);
  afterAll(async () => {
    await p?.stop();
  });

  it("the query routes, with a stored view, and their 4xx", async () => {
    const stats = await get("/v1/videos/m-oa/stats");
    expect(stats).toMatchObject({ status: 200, body: { video_id: "m-oa", views: 1, plays: 1, completions: 1 } });
    expect(await get("/v1/videos/top")).toMatchObject({ status: 200, body: { items: [{ title: "Open Answers" }] } });
    expect(await get("/v1/trending")).toMatchObject({ status: 200, body: { items: [{ video_id: "m-oa" }] } });
    expect((await get("/v1/users/u-oa/recommendations")).status).toBe(200);
    expect((await get("/v1/concurrency?step=5s")).status).toBe(200);
    expect(await get("/v1/breakdown?dimension=country")).toMatchObject({
      status: 200,
      body: { rows: [{ value: "NL", views: 1 }] },
    });
    expect((await get("/v1/timeseries?metric=plays")).status).toBe(200);
    expect(await get("/v1/timeseries?metric=plays&dimension=cdn&value=")).toMatchObject({
      status: 200,
      body: { dimension: "cdn", value: null },
    });
    expect(await get("/v1/overview")).toMatchObject({ status: 200, body: { metrics: { views: 1 } } });
    expect(await get("/v1/lag")).toMatchObject({ status: 200, body: { backlog: "ok" } });
    expect(await get("/v1/alerts/rules")).toMatchObject({ status: 200, body: { rules: [] } });
    expect(await get("/v1/alerts?state=firing")).toMatchObject({ status: 200, body: { alerts: [] } });
    expect(await get("/v1/events/oa-404")).toMatchObject({ status: 404, body: { error: { code: "not_found" } } });
    expect((await get("/v1/breakdown")).status).toBe(400);
    expect((await get("/v1/videos/top", null)).status).toBe(401);
    expect((await get("/v1/overview", p.writeKey)).status).toBe(403);
  });

  it("the experiment routes, and their 4xx", async () => {
    const definition = {
      id: "exp-oa",
      variants: [
        { name: "a", weight: 1 },
        { name: "b", weight: 1 },
      ],
      primary_metric: "completion_rate",
      started_at: at(-3_600_000),
    };
    const write = { headers: bearer(p.writeKey) };
    expect((await call("POST", "/v1/experiments", { ...write, body: definition })).status).toBe(201);
    expect((await call("POST", "/v1/experiments", { ...write, body: definition })).status).toBe(200);
    const other = { ...definition, primary_metric: "failure_rate" };
    expect((await call("POST", "/v1/experiments", { ...write, body: other })).status).toBe(409);
    expect((await call("POST", "/v1/experiments", { ...write, body: { id: "x" } })).status).toBe(400);
    expect((await call("POST", "/v1/experiments", { headers: bearer(p.readKey), body: definition })).status).toBe(403);
    expect(await get("/v1/experiments")).toMatchObject({ status: 200, body: { experiments: [{ id: "exp-oa" }] } });
    expect(await get("/v1/experiments/exp-oa")).toMatchObject({
      status: 200,
      body: { variants: [{ variant: "b", views: 1 }], verdict: { experiment_id: "exp-oa" } },
    });
    expect(await get("/v1/experiments/none")).toMatchObject({ status: 200, body: { definition: null, verdict: null } });
    expect(await get("/v1/experiments/exp-oa/evaluations")).toMatchObject({
      status: 200,
      body: { experiment_id: "exp-oa", evaluations: expect.any(Array) as unknown },
    });
    expect((await get("/v1/experiments/exp-oa/evaluations?limit=0")).status).toBe(400);
    expect((await get("/v1/experiments", null)).status).toBe(401);
  });

  it("the Segment routes, the probes and the ingest route's 4xx", async () => {
    const basic = { authorization: `Basic ${Buffer.from(`${p.writeKey}:`).toString("base64")}` };
    const track = { userId: "u-oa", event: "Signed Up", messageId: "oa-seg-1" };
    expect(await call("POST", "/v1/track", { headers: basic, body: track })).toMatchObject({
      status: 200,
      body: { success: true, ignored: 1 },
    });
    expect((await call("POST", "/v1/batch", { headers: basic, body: { batch: [track] } })).status).toBe(200);
    expect((await call("POST", "/v1/identify", { body: track })).status).toBe(401);
    expect((await get("/healthz", null)).status).toBe(200);
    expect((await get("/readyz", null)).status).toBe(200);
    const refused = await p.send([{ ...EVENTS[0], id: "oa-bad", video_id: "" }]);
    expect(refused.status).toBe(400);
    exercised.add(`POST /v1/events ${refused.status}`);
    expect((await p.send(EVENTS, { key: null })).status).toBe(401);
    exercised.add("POST /v1/events 401");
  });

  it("exercised a 200 of every JSON GET route and a 4xx of every route family", () => {
    const jsonGets = Object.entries((doc as { paths: Record<string, Record<string, unknown>> }).paths)
      .filter(([path, ops]) => ops.get !== undefined && (path.startsWith("/v1/") || path.endsWith("z")))
      .map(([path]) => `GET ${path} 200`);
    // An erasure's receipt needs an admin key and a finished erasure: test/integration/erasure.test.ts
    // checks its answers (DELETE 202 and the receipt) against the document.
    const elsewhere = new Set(["GET /v1/erasures/{erasure_id} 200"]);
    expect(jsonGets.filter((op) => !exercised.has(op) && !elsewhere.has(op))).toEqual([]);
    const fourXx = (prefix: string) => [...exercised].some((op) => op.startsWith(prefix) && / 4\d\d$/.test(op));
    expect(
      [
        "GET /v1/videos",
        "GET /v1/events",
        "POST /v1/experiments",
        "GET /v1/experiments",
        "POST /v1/identify",
        "POST /v1/events",
      ].filter((family) => !fourXx(family)),
    ).toEqual([]);
  });
});
