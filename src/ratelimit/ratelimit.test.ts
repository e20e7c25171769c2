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
