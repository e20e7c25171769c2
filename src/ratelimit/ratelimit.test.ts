import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { createHttpApp } from "../http/app.ts";
import { ApiError } from "../http/errors.ts";
import { createBuckets } from "./bucket.ts";
import { rateLimit, type RateLimitOptions } from "./middleware.ts";

/** A route that answers 200 to the key "good" and 401 to any other. */
const keyed = new Hono();
keyed.get("/r", (c) => {
  if (c.req.header("authorization") !== "Bearer good") throw new ApiError(401, "unauthorized", "unknown read key");
  return c.text("ok");
});
/** The app of `keyed` behind `rateLimit(opts)`. */
const limited = (opts: RateLimitOptions, routes: Hono = keyed) =>
  createHttpApp({ routes: [routes], readiness: {}, middleware: [rateLimit(opts)] });

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
  const app = limited({
    perKey: { burst: 3, perSecond: 1 },
    perAddress: { burst: 100, perSecond: 100 },
    authFailures: { burst: 2, perSecond: 1 / 60 },
    now: () => t,
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

  it("lists in RateLimit-Policy only the buckets that are on (an off bucket has no window)", async () => {
    const only = (perAddress: { burst: number; perSecond: number }) => {
      const off = { burst: 10, perSecond: 0 };
      const one = limited({ perKey: { burst: 3, perSecond: 1 }, perAddress, authFailures: off, now: () => 0 });
      return one.request("/r", { headers: { authorization: "Bearer good" } });
    };
    const keyOnly = await only({ burst: 10, perSecond: 0 });
    expect([keyOnly.headers.get("ratelimit-policy"), keyOnly.headers.get("ratelimit")]).toEqual([
      '"key";q=3;w=3',
      '"key";r=2;t=1',
    ]);
    const both = await only({ burst: 8, perSecond: 4 });
    expect(both.headers.get("ratelimit-policy")).toBe('"key";q=3;w=3, "address";q=8;w=2');
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
  const app = limited(
    {
      perKey: { burst: 5, perSecond: 5 },
      perAddress: { burst: 1000, perSecond: 1000 },
      authFailures: { burst: 10, perSecond: 1 },
      perSource: new Map([["content", { burst: 2, perSecond: 1 }]]),
      sourceOf: (key) => sources[key],
      now: () => 0,
    },
    routes,
  );
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

describe("token buckets: a peek's key is computed only when some bucket is below its burst", () => {
  it("answers as for a key never seen without calling the key while all are full, and calls it after a charge", () => {
    const b = createBuckets({ burst: 2, perSecond: 1 });
    const calls: string[] = [];
    const key = (k: string) => () => (calls.push(k), k);
    const full = { allowed: true, remaining: 2, resetSeconds: 0, retryAfterSeconds: 0 };
    expect(b.peek(key("a"), 0)).toEqual(full);
    expect(calls).toEqual([]);
    b.charge("a", 0);
    b.charge("a", 0);
    expect(b.peek(key("a"), 0)).toEqual({ allowed: false, remaining: 0, resetSeconds: 2, retryAfterSeconds: 1 });
    expect(b.peek(key("b"), 0)).toEqual(full);
    expect(calls).toEqual(["a", "b"]);
    // Full again after 2 s at 1/s: the state is forgotten and the key is not needed any more.
    expect(b.peek(key("a"), 1999)).toEqual({ allowed: true, remaining: 1, resetSeconds: 1, retryAfterSeconds: 0 });
    expect(b.peek(key("a"), 2002)).toEqual(full);
    expect([calls.length, b.size()]).toEqual([3, 0]);
  });
});

describe("rateLimit middleware with the per-key and per-address buckets off (as the benchmarks run)", () => {
  let t = 0;
  const app = limited({
    perKey: { burst: 5, perSecond: 0 },
    perAddress: { burst: 7, perSecond: 0 },
    authFailures: { burst: 2, perSecond: 1 / 60 },
    now: () => t,
  });
  let addressReads = 0;
  /** A Node-like `c.env` whose peer address counts its reads. */
  const from = (address: string) => ({
    incoming: {
      socket: {
        get remoteAddress() {
          addressReads++;
          return address;
        },
      },
    },
  });
  const get = async (key: string, address: string) => {
    const r = await app.request("/r", { headers: { authorization: `Bearer ${key}` } }, from(address));
    return [r.status, r.headers.get("ratelimit"), r.headers.get("ratelimit-policy"), r.headers.get("retry-after")];
  };
  const policy = null; // both listed buckets are off: no RateLimit-Policy (an off bucket has no window)
  const fresh = [200, '"failed-auth";r=2;t=0', policy, null];

  it("answers a fresh address the full failed-auth burst, without reading or hashing the address", async () => {
    t = 0;
    addressReads = 0;
    expect(await get("good", "198.51.100.1")).toEqual(fresh);
    expect(await get("good", "198.51.100.2")).toEqual(fresh);
    expect(addressReads).toBe(0);
  });

  it("still limits the address that failed authentication, and only that one", async () => {
    t = 1_000_000;
    expect((await get("bad", "203.0.113.9"))[0]).toBe(401);
    expect(await get("bad", "203.0.113.9")).toEqual([401, '"failed-auth";r=1;t=60', policy, null]);
    expect(await get("good", "203.0.113.9")).toEqual([429, '"failed-auth";r=0;t=120', policy, "60"]);
    expect(await get("good", "198.51.100.3")).toEqual(fresh);
    t += 120_002; // refilled (after 120 s at 1/min): forgotten, and the address is not read any more
    expect(await get("good", "203.0.113.9")).toEqual(fresh);
    addressReads = 0;
    expect(await get("good", "203.0.113.9")).toEqual(fresh);
    expect(addressReads).toBe(0);
  });
});
