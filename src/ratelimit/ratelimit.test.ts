import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { createHttpApp } from "../http/app.ts";
import { ApiError } from "../http/errors.ts";
import { createBuckets } from "./bucket.ts";
import { rateLimit } from "./middleware.ts";

describe("token buckets", () => {
  it("allows the burst, then the sustained rate, and says when to retry", () => {
    const b = createBuckets({ burst: 3, perSecond: 2 });
    const takes = [0, 0, 0, 0].map(() => b.take("k", 1000).allowed);
    expect(takes).toEqual([true, true, true, false]);
    expect(b.take("k", 1000)).toEqual({ allowed: false, remaining: 0, resetSeconds: 2, retryAfterSeconds: 1 });
    expect(b.take("k", 1500).allowed).toBe(true); // 0.5 s at 2/s = one token
    expect(b.take("other", 1500).allowed).toBe(true);
  });
  it("keeps at most maxKeys buckets (the least recently used is forgotten)", () => {
    const b = createBuckets({ burst: 1, perSecond: 1 }, 2);
    for (const k of ["a", "b", "c"]) b.take(k, 0);
    expect(b.size()).toBe(2);
  });
});

describe("rateLimit middleware", () => {
  let t = 0;
  const routes = new Hono();
  routes.get("/r", (c) => {
    if (c.req.header("authorization") !== "Bearer good") throw new ApiError(401, "unauthorized", "unknown read key");
    return c.text("ok");
  });
  const app = createHttpApp({
    routes: [routes],
    readiness: {},
    middleware: [
      rateLimit({
        perKey: { burst: 3, perSecond: 1 },
        perAddress: { burst: 100, perSecond: 100 },
        authFailures: { burst: 2, perSecond: 1 / 60 },
        now: () => t,
      }),
    ],
  });
  const get = async (key: string) => {
    const r = await app.request("/r", { headers: { authorization: `Bearer ${key}` } });
    return [r.status, r.headers.get("ratelimit"), r.headers.get("retry-after")] as const;
  };

  it("puts RateLimit and RateLimit-Policy on every answer, and answers 429 with Retry-After past the key's burst", async () => {
    t = 0;
    const r = await app.request("/r", { headers: { authorization: "Bearer good" } });
    expect(r.headers.get("ratelimit-policy")).toBe('"key";q=3;w=3, "address";q=100;w=1');
    expect([r.status, r.headers.get("ratelimit")]).toEqual([200, '"key";r=2;t=1']);
    expect(await get("good")).toEqual([200, '"key";r=1;t=2', null]);
    expect(await get("good")).toEqual([200, '"key";r=0;t=3', null]);
    expect(await get("good")).toEqual([429, '"key";r=0;t=3', "1"]);
    t = 1000;
    expect((await get("good"))[0]).toBe(200);
  });

  it("limits failed authentication per address much more tightly", async () => {
    t = 10_000_000;
    expect((await get("bad-1"))[0]).toBe(401);
    expect((await get("bad-2"))[0]).toBe(401);
    const third = await get("bad-3");
    expect([third[0], third[2]]).toEqual([429, "60"]);
    // A right key from the same address waits too: guessing cannot go on from there.
    expect((await get("good"))[0]).toBe(429);
  });
});

describe("rateLimit middleware: per-source policies (PLAYPULSE_RATE_LIMIT_SOURCES)", () => {
  const routes = new Hono();
  routes.get("/r", (c) => c.text("ok"));
  const sources: Record<string, string> = { ck_1: "content", ck_2: "content", wk_1: "web" };
  const app = createHttpApp({
    routes: [routes],
    readiness: {},
    middleware: [
      rateLimit({
        perKey: { burst: 5, perSecond: 5 },
        perAddress: { burst: 1000, perSecond: 1000 },
        authFailures: { burst: 10, perSecond: 1 },
        perSource: new Map([["content", { burst: 2, perSecond: 1 }]]),
        sourceOf: (key) => sources[key],
        now: () => 0,
      }),
    ],
  });
  const get = async (key: string) => {
    const r = await app.request("/r", { headers: { authorization: `Bearer ${key}` } });
    return [r.status, r.headers.get("ratelimit-policy")] as const;
  };

  it("counts each key of a source with a policy of its own in buckets of that policy", async () => {
    const content = '"key";q=2;w=2, "address";q=1000;w=1';
    expect(await get("ck_1")).toEqual([200, content]);
    expect(await get("ck_1")).toEqual([200, content]);
    expect((await get("ck_1"))[0]).toBe(429);
    // Per key, not per source: the source's other key has its own bucket.
    expect(await get("ck_2")).toEqual([200, content]);
  });

  it("gives keys of other sources, and unknown keys, the default per-key policy", async () => {
    const fallback = '"key";q=5;w=1, "address";q=1000;w=1';
    const web = await Promise.all([1, 2, 3, 4, 5].map(() => get("wk_1")));
    expect(web).toEqual(Array(5).fill([200, fallback]));
    expect((await get("wk_1"))[0]).toBe(429);
    expect(await get("unknown")).toEqual([200, fallback]);
  });
});
