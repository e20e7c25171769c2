/**
 * Browser-safe ingestion on the whole HTTP app (the one onError): publishable keys, CORS, beacons,
 * Content-Encoding, server-set context. The publisher records what would reach NATS.
 */
import { deflateSync, gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import type { OutboundMessage, Publisher } from "../bus/index.ts";
import { createHttpApp } from "../http/app.ts";
import { createIngestRoutes } from "./routes.ts";

const SITE = "https://site.example";
const OTHER = "https://other.example";
const keys = {
  write: new Set(["wk_1"]),
  read: new Set(["rk_1"]),
  publishable: new Map([
    ["pk_site", new Set([SITE])],
    ["pk_other", new Set([OTHER])],
  ]),
};
const limits = { maxBodyBytes: 4096, maxBatchEvents: 50, maxEventBytes: 2048, bodyTimeoutMs: 5000 };
const CHROME = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";

function rig() {
  const published: OutboundMessage[] = [];
  const publisher: Publisher = {
    publish: (messages) => {
      published.push(...messages);
      return Promise.resolve(messages.map((_, i) => ({ status: "stored" as const, seq: i + 1, duplicate: false })));
    },
    inFlight: () => 0,
    close: () => Promise.resolve(),
  };
  const app = createHttpApp({
    routes: [createIngestRoutes({ publisher, keys, limits, retryAfterSeconds: 2 })],
    readiness: {},
  });
  return { app, published };
}

const event = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  type: "user.video.paused",
  timestamp: "2026-01-01T00:00:00.000Z",
  user_id: "u1",
  view_id: "v1",
  video_id: "m1",
  position_ms: 0,
  ...extra,
});
const CORS_NAMES = [
  "access-control-allow-origin",
  "access-control-allow-methods",
  "access-control-allow-headers",
  "access-control-max-age",
  "access-control-expose-headers",
  "access-control-allow-credentials",
];
const cors = (res: Response) =>
  Object.fromEntries(CORS_NAMES.flatMap((n) => (res.headers.has(n) ? [[n, res.headers.get(n)]] : [])));
const code = async (res: Response) => ((await res.json()) as { error?: { code: string; message: string } }).error;

describe("CORS preflight", () => {
  it.each<[string, Record<string, string>, number, Record<string, string>]>([
    [
      "an allowed origin",
      { origin: SITE, "access-control-request-method": "POST" },
      204,
      {
        "access-control-allow-origin": SITE,
        "access-control-allow-methods": "POST, OPTIONS",
        "access-control-allow-headers": "Authorization, Content-Type, Content-Encoding",
        "access-control-max-age": "600",
      },
    ],
    ["another key's allowed origin", { origin: OTHER }, 204, { "access-control-allow-origin": OTHER }],
    ["a disallowed origin", { origin: "https://evil.example" }, 403, {}],
    ["an origin differing only in scheme", { origin: "http://site.example" }, 403, {}],
    ["no origin (not a browser)", {}, 204, {}],
  ])("from %s answers %i with exactly its CORS headers", async (_name, headers, status, expected) => {
    const { app, published } = rig();
    const res = await app.request("/v1/events", { method: "OPTIONS", headers });
    expect(res.status).toBe(status);
    expect(cors(res)).toEqual(expect.objectContaining(expected));
    if (Object.keys(expected).length === 0) expect(cors(res)).toEqual({});
    expect(published).toEqual([]);
  });

  it("answers a disallowed origin with a reason, and an Origin-less OPTIONS with Allow", async () => {
    const { app } = rig();
    const evil = await app.request("/v1/events", { method: "OPTIONS", headers: { origin: "https://evil.example" } });
    expect(await code(evil)).toEqual({
      code: "origin_not_allowed",
      message:
        'origin "https://evil.example" is not an allowed origin of any publishable key (PLAYPULSE_PUBLISHABLE_KEYS)',
    });
    const plain = await app.request("/v1/events", { method: "OPTIONS" });
    expect(plain.headers.get("allow")).toBe("POST, OPTIONS");
  });
});

describe("POST /v1/events from browsers and servers", () => {
  type Case = [string, { headers: Record<string, string>; query?: string; body?: string }, number, string | null];
  const json = JSON.stringify(event("e1"));
  it.each<Case>([
    ["write key, no origin (a server)", { headers: { authorization: "Bearer wk_1" } }, 202, null],
    [
      "write key from any origin",
      { headers: { authorization: "Bearer wk_1", origin: "https://evil.example" } },
      202,
      null,
    ],
    ["publishable key from its origin", { headers: { authorization: "Bearer pk_site", origin: SITE } }, 202, SITE],
    ["publishable key in ?key= from its origin", { headers: { origin: SITE }, query: "?key=pk_site" }, 202, SITE],
    [
      "publishable key from another key's origin",
      { headers: { authorization: "Bearer pk_site", origin: OTHER } },
      403,
      OTHER,
    ],
    [
      "publishable key from a disallowed origin",
      { headers: { origin: "https://evil.example" }, query: "?key=pk_site" },
      403,
      null,
    ],
    ["publishable key without an origin", { headers: {}, query: "?key=pk_site" }, 403, null],
    ["write key in ?key=", { headers: { origin: SITE }, query: "?key=wk_1" }, 401, SITE],
    ["read key in ?key=", { headers: {}, query: "?key=rk_1" }, 401, null],
    ["unknown ?key=", { headers: { origin: SITE }, query: "?key=pk_nope" }, 401, SITE],
    ["no key at all, allowed origin", { headers: { origin: SITE } }, 401, SITE],
    ["read key in the header", { headers: { authorization: "Bearer rk_1", origin: SITE } }, 403, SITE],
    ["a bad body from an allowed origin", { headers: { origin: SITE }, query: "?key=pk_site", body: "[" }, 400, SITE],
    [
      "a bad body from a disallowed origin",
      { headers: { origin: "https://evil.example", authorization: "Bearer wk_1" }, body: "[" },
      400,
      null,
    ],
  ])("%s -> %i, CORS origin %s", async (_name, req, status, allowOrigin) => {
    const { app, published } = rig();
    const res = await app.request(`/v1/events${req.query ?? ""}`, {
      method: "POST",
      headers: { "content-type": "text/plain;charset=UTF-8", ...req.headers },
      body: req.body ?? json,
    });
    expect(res.status).toBe(status);
    expect(res.headers.get("access-control-allow-origin")).toBe(allowOrigin);
    expect(res.headers.get("vary")).toBe("Origin");
    expect(published.length).toBe(status === 202 ? 1 : 0);
  });

  it.each([
    [
      "?key= with a write key",
      "?key=wk_1",
      {},
      'only a publishable key may be sent as "?key="; send this key in "Authorization: Bearer <key>"',
    ],
    ["an unknown ?key=", "?key=x", {}, "unknown publishable key"],
    [
      "no Origin",
      "?key=pk_site",
      {},
      "a publishable key is valid only from its allowed origins, and this request has no Origin header; servers send a write key",
    ],
    [
      "a disallowed Origin",
      "?key=pk_site",
      { origin: OTHER },
      'origin "https://other.example" is not allowed for this publishable key',
    ],
  ])("says why it refuses %s", async (_name, query, headers, message) => {
    const { app } = rig();
    const res = await app.request(`/v1/events${query}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: json,
    });
    expect((await code(res))?.message).toBe(message);
  });

  it("answers a sendBeacon-style NDJSON text/plain batch per event", async () => {
    const { app, published } = rig();
    const body = `${JSON.stringify(event("b1"))}\n${JSON.stringify(event("b2", { position_ms: -1 }))}\n`;
    const res = await app.request("/v1/events?key=pk_site", {
      method: "POST",
      headers: { origin: SITE, "content-type": "text/plain;charset=UTF-8" },
      body,
    });
    expect({ status: res.status, body: await res.json() }).toEqual({
      status: 202,
      body: {
        accepted: 1,
        duplicates: 0,
        rejected: 1,
        results: [
          { index: 0, id: "b1", status: "accepted" },
          { index: 1, id: "b2", status: "rejected", error: "position_ms: must be between 0 and 2592000000, got -1" },
        ],
      },
    });
    expect(published.map((m) => m.msgId)).toEqual(["publishable:b1"]);
  });
});

describe("Content-Encoding", () => {
  const batch = JSON.stringify([event("z1"), event("z2")]);
  const post = (body: Uint8Array | string, encoding?: string) =>
    rig().app.request("/v1/events", {
      method: "POST",
      headers: {
        authorization: "Bearer wk_1",
        "content-type": "application/json",
        ...(encoding ? { "content-encoding": encoding } : {}),
      },
      body,
    });

  it.each([
    ["gzip", gzipSync(batch)],
    ["GZIP", gzipSync(batch)],
    ["deflate", deflateSync(batch)],
    ["identity", new TextEncoder().encode(batch)],
  ])("reads a %s body", async (encoding, body) => {
    const res = await post(body, encoding);
    expect({ status: res.status, body: await res.json() }).toMatchObject({
      status: 202,
      body: { accepted: 2 },
    });
  });

  it.each([
    [
      "br",
      415,
      "unsupported_encoding",
      'Content-Encoding "br" is not supported; send gzip, deflate or identity (none)',
    ],
    [
      "gzip, br",
      415,
      "unsupported_encoding",
      'Content-Encoding "gzip, br" is not supported; send gzip, deflate or identity (none)',
    ],
  ])("answers %j with %i and the accepted encodings", async (encoding, status, errCode, message) => {
    const res = await post(gzipSync(batch), encoding);
    expect({ status: res.status, error: await code(res), accept: res.headers.get("accept-encoding") }).toEqual({
      status,
      error: { code: errCode, message },
      accept: "gzip, deflate",
    });
  });

  it("answers 400 for a body that is not what its Content-Encoding says", async () => {
    const res = await post(batch, "gzip");
    expect({ status: res.status, error: await code(res) }).toEqual({
      status: 400,
      error: { code: "bad_encoding", message: "the body is not valid gzip data" },
    });
  });

  it("limits the inflated size like the raw size: a zip bomb answers 413 without being inflated in full", async () => {
    // 64 MiB of zeros gzip to ~64 KiB; the raw limit is raised so the bomb itself gets in.
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024));
    const publisher: Publisher = {
      publish: () => Promise.resolve([]),
      inFlight: () => 0,
      close: () => Promise.resolve(),
    };
    const big = createHttpApp({
      routes: [
        createIngestRoutes({ publisher, keys, limits: { ...limits, maxBodyBytes: 200_000 }, retryAfterSeconds: 2 }),
      ],
      readiness: {},
    });
    const before = process.memoryUsage().arrayBuffers;
    const res = await big.request("/v1/events", {
      method: "POST",
      headers: { authorization: "Bearer wk_1", "content-type": "application/json", "content-encoding": "gzip" },
      body: bomb,
    });
    expect({ status: res.status, error: await code(res) }).toEqual({
      status: 413,
      error: {
        code: "payload_too_large",
        message:
          "the gzip body inflates to more than 200000 bytes; limits: 200000 bytes per request, 50 events per request, 2048 bytes per event",
      },
    });
    // Inflating it in full would have held 64 MiB at once.
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(16 * 1024 * 1024);
  });
});

describe("server-set context", () => {
  it.each([
    ["a desktop browser, event without device", CHROME, {}, { type: "desktop" }],
    [
      "an iPhone",
      "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148",
      {},
      { type: "mobile" },
    ],
    [
      "a smart TV",
      "Mozilla/5.0 (SMART-TV; Linux; Tizen 6.0) AppleWebKit/537.36",
      { device: { os: "tizen" } },
      { os: "tizen", type: "tv" },
    ],
    ["a browser, event with its own device type", CHROME, { device: { type: "console" } }, { type: "console" }],
    ["a server (no Mozilla token)", "node", {}, undefined],
    ["no User-Agent", undefined, {}, undefined],
  ])("%s: device %j", async (_name, ua, extra, device) => {
    const { app, published } = rig();
    const res = await app.request("/v1/events", {
      method: "POST",
      headers: {
        authorization: "Bearer wk_1",
        "content-type": "application/json",
        ...(ua ? { "user-agent": ua } : {}),
      },
      body: JSON.stringify(event("c1", extra)),
    });
    expect(res.status).toBe(202);
    const stored = JSON.parse(new TextDecoder().decode(published[0]?.data)) as Record<string, unknown>;
    expect(stored.device).toEqual(device);
    expect(typeof stored.received_at).toBe("number");
    expect(Object.keys(stored).filter((k) => /ip|addr/i.test(k))).toEqual([]);
  });
});
