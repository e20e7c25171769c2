/**
 * Keys: writes need a write key, reads a read key. Missing, malformed and unknown keys answer
 * 401; a known key of the other kind answers 403. Every route, exact bodies.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startPipeline, type Pipeline } from "../helpers/index.ts";

const READ_ROUTES = [
  "/v1/videos/m1/stats",
  "/v1/videos/top",
  "/v1/trending",
  "/v1/users/u1/recommendations",
  "/v1/experiments/exp-1",
];
const event = {
  id: "auth-1",
  type: "user.video.paused",
  timestamp: new Date(Date.now() - 60_000).toISOString(),
  user_id: "u1",
  view_id: "v1",
  video_id: "m1",
  position_ms: 0,
};
const err = (code: string, message: string) => ({ error: { code, message } });

describe("auth", () => {
  let p: Pipeline;

  beforeAll(async () => {
    p = await startPipeline({
      natsUrl: inject("natsUrl"),
      clickhouseUrl: inject("clickhouseUrl"),
      roles: ["ingest", "query"],
    });
  });
  afterAll(async () => {
    await p?.stop();
  });

  const request = async (method: "GET" | "POST", path: string, authorization: string | undefined) => {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (authorization !== undefined) headers["authorization"] = authorization;
    const res = await fetch(`${p.baseUrl}${path}`, {
      method,
      headers,
      ...(method === "POST" ? { body: JSON.stringify(event) } : {}),
    });
    return { status: res.status, body: await res.json() };
  };

  // Keys are per pipeline (`wk_<ns>`, `rk_<ns>`), so each case names the kind of header it sends.
  type Header = "none" | "basic" | "bearer-without-key" | "two-tokens" | "unknown" | "write" | "read";
  const header = (h: Header): string | undefined => {
    switch (h) {
      case "none":
        return undefined;
      case "basic":
        return `Basic ${Buffer.from("user:pass").toString("base64")}`;
      case "bearer-without-key":
        return "Bearer ";
      case "two-tokens":
        return `Bearer ${p.writeKey} ${p.readKey}`;
      case "unknown":
        return "Bearer not-a-key";
      case "write":
        return `Bearer ${p.writeKey}`;
      case "read":
        return `Bearer ${p.readKey}`;
    }
  };

  it.each<[Header, number, ReturnType<typeof err>]>([
    ["none", 401, err("unauthorized", 'missing "Authorization: Bearer <write key>" header')],
    ["basic", 401, err("unauthorized", 'the Authorization header must be "Bearer <write key>"')],
    ["bearer-without-key", 401, err("unauthorized", 'the Authorization header must be "Bearer <write key>"')],
    ["two-tokens", 401, err("unauthorized", 'the Authorization header must be "Bearer <write key>"')],
    ["unknown", 401, err("unauthorized", "unknown write key")],
    [
      "read",
      403,
      err(
        "forbidden",
        'this key (source "read") has neither events:write nor catalog; sending events needs a write key',
      ),
    ],
  ])("POST /v1/events with %s key answers %i", async (h, status, body) => {
    expect(await request("POST", "/v1/events", header(h))).toEqual({ status, body });
  });

  it("POST /v1/events with the write key answers 202 (also with a lower-case scheme)", async () => {
    expect(await request("POST", "/v1/events", header("write"))).toEqual({
      status: 202,
      body: { accepted: 1, duplicates: 0, rejected: 0, results: [{ index: 0, id: "auth-1", status: "accepted" }] },
    });
    expect((await request("POST", "/v1/events", `bearer ${p.writeKey}`)).status).toBe(202);
  });

  const readCases: [string, Header, number, ReturnType<typeof err>][] = READ_ROUTES.flatMap((path) => [
    [path, "none", 401, err("unauthorized", 'missing "Authorization: Bearer <read key>" header')] as const,
    [path, "basic", 401, err("unauthorized", 'the Authorization header must be "Bearer <read key>"')] as const,
    [path, "unknown", 401, err("unauthorized", "unknown read key")] as const,
    [
      path,
      "write",
      403,
      err(
        "forbidden",
        'this key (source "write", scopes events:write,catalog) lacks the stats:read scope this route needs',
      ),
    ] as const,
  ]);
  it.each(readCases)("GET %s with %s key answers %i", async (path, h, status, body) => {
    expect(await request("GET", path, header(h))).toEqual({ status, body });
  });

  it.each(READ_ROUTES)("GET %s with the read key answers 200", async (path) => {
    expect((await request("GET", path, header("read"))).status).toBe(200);
  });

  it("health endpoints need no key", async () => {
    expect(await request("GET", "/healthz", undefined)).toEqual({ status: 200, body: { status: "ok" } });
    expect(await request("GET", "/readyz", undefined)).toEqual({
      status: 200,
      body: { status: "ready", checks: { nats: true, clickhouse: true } },
    });
  });
});
