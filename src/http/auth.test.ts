import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { createKey, parseKeys } from "../keys/index.ts";
import { createHttpApp } from "./app.ts";
import { keyRing, mayPublish, requireKey, requireSender, type Keys } from "./auth.ts";

const admin = createKey("ops", ["admin"]);
const pipeline = createKey("pipeline", ["catalog"]);
const web = createKey("web", ["events:write"]);
const webNext = createKey("web", ["events:write"]);
const problems: string[] = [];
const keys: Keys = {
  write: new Set(["wk_1", "wk_2"]),
  read: new Set(["rk_1"]),
  publishable: new Map([["pk_1", new Set(["https://a.example"])]]),
  scoped: parseKeys([admin.line, pipeline.line, web.line, webNext.line].join("\n"), problems),
};

describe("keyRing", () => {
  const find = keyRing(keys);
  it("parsed the scoped keys", () => expect(problems).toEqual([]));
  it.each([
    ["wk_1", "write", ["events:write", "catalog"]],
    ["wk_2", "write", ["events:write", "catalog"]],
    ["rk_1", "read", ["stats:read"]],
    ["pk_1", "publishable", ["publishable"]],
    [admin.key, "ops", ["admin"]],
    [pipeline.key, "pipeline", ["catalog"]],
    [web.key, "web", ["events:write"]],
    [webNext.key, "web", ["events:write"]],
    ["wk_", undefined, undefined],
    ["wk_11", undefined, undefined],
    ["WK_1", undefined, undefined],
    ["", undefined, undefined],
    ["ü", undefined, undefined],
    [admin.line, undefined, undefined],
  ])("%j is source %s with %j", (candidate, source, scopes) => {
    const found = find(candidate);
    expect(found?.source).toBe(source);
    expect(found ? [...found.scopes] : undefined).toEqual(scopes);
  });

  it("gives a publishable key's origins", () => {
    expect(find("pk_1")?.origins).toEqual(new Set(["https://a.example"]));
  });
});

describe("requireKey", () => {
  const routes = new Hono();
  routes.get("/r", requireKey(keys, "read"), (c) => c.text(c.get("keySource")));
  routes.get("/a", requireKey(keys, "admin"), (c) => c.text(c.get("keySource")));
  const app = createHttpApp({ routes: [routes], readiness: {} });
  it.each([
    ["/r", "Bearer rk_1", 200, "read"],
    [
      "/r",
      "Bearer wk_1",
      403,
      'this key (source "write", scopes events:write,catalog) lacks the stats:read scope this route needs',
    ],
    [
      "/r",
      "Bearer pk_1",
      403,
      'this key (source "publishable", scopes publishable) lacks the stats:read scope this route needs',
    ],
    [
      "/r",
      `Bearer ${admin.key}`,
      403,
      'this key (source "ops", scopes admin) lacks the stats:read scope this route needs',
    ],
    ["/r", "Bearer nope", 401, "unknown read key"],
    ["/r", undefined, 401, 'missing "Authorization: Bearer <read key>" header'],
    ["/a", `Bearer ${admin.key}`, 200, "ops"],
    ["/a", "Bearer rk_1", 403, 'this key (source "read", scopes stats:read) lacks the admin scope this route needs'],
    [
      "/a",
      "Bearer wk_1",
      403,
      'this key (source "write", scopes events:write,catalog) lacks the admin scope this route needs',
    ],
    ["/a", "Bearer nope", 401, "unknown admin key"],
  ])("%s %s -> %i", async (path, authorization, status, answer) => {
    const res = await app.request(path, { headers: authorization ? { authorization } : {} });
    expect(res.status).toBe(status);
    if (status === 200) expect(await res.text()).toBe(answer);
    else expect(((await res.json()) as { error: { message: string } }).error.message).toBe(answer);
  });
});

describe("requireSender and mayPublish", () => {
  const routes = new Hono();
  routes.post("/e", requireSender(keys), (c) => {
    const key = c.get("keyEntry");
    return c.json({
      source: key.source,
      play: mayPublish(key, "user.video.played") ?? "ok",
      catalog: mayPublish(key, "video.encoding.completed") ?? "ok",
    });
  });
  const app = createHttpApp({ routes: [routes], readiness: {} });
  it.each([
    [
      `Bearer ${web.key}`,
      undefined,
      200,
      {
        source: "web",
        play: "ok",
        catalog:
          'forbidden: video.encoding.completed needs a key with the catalog scope (source "web" has events:write)',
      },
    ],
    [
      `Bearer ${pipeline.key}`,
      undefined,
      200,
      {
        source: "pipeline",
        play: 'forbidden: user.video.played needs a key with the events:write scope (source "pipeline" has catalog)',
        catalog: "ok",
      },
    ],
    ["Bearer wk_1", undefined, 200, { source: "write", play: "ok", catalog: "ok" }],
    [
      "Bearer pk_1",
      "https://a.example",
      200,
      {
        source: "publishable",
        play: "ok",
        catalog:
          'forbidden: video.encoding.completed needs a key with the catalog scope (source "publishable" has publishable)',
      },
    ],
    ["Bearer pk_1", "https://a.example.evil", 403, undefined],
    ["Bearer rk_1", undefined, 403, undefined],
    [`Bearer ${admin.key}`, undefined, 403, undefined],
  ])("%s from %s -> %i", async (authorization, origin, status, body) => {
    const res = await app.request("/e", { method: "POST", headers: { authorization, ...(origin ? { origin } : {}) } });
    expect(res.status).toBe(status);
    if (body) expect(await res.json()).toEqual(body);
  });
});
