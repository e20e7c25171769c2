/**
 * Browser-safe ingestion against real NATS and ClickHouse: what a web page can send (publishable
 * key, beacon body, gzip) is stored, server context included; what a disallowed origin sends is not.
 */
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { sql } from "../../src/store/index.ts";
import { startPipeline, waitFor, type Pipeline } from "../helpers/index.ts";

const SITE = "http://site.test:3000";
const CHROME = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
const event = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  type: "user.video.heartbeat",
  timestamp: new Date(Date.now() - 1000).toISOString(),
  user_id: "u-browser",
  view_id: `view-${id}`,
  video_id: "vid-browser",
  position_ms: 1000,
  played_ms: 1000,
  rebuffer_ms: 0,
  ...extra,
});

describe("browser-safe ingestion on real servers", () => {
  let p: Pipeline;
  beforeAll(async () => {
    p = await startPipeline({
      natsUrl: inject("natsUrl"),
      clickhouseUrl: inject("clickhouseUrl"),
      roles: ["ingest", "analytics"],
      env: { PLAYPULSE_PUBLISHABLE_KEYS: `pk_site=${SITE}` },
    });
  });
  afterAll(async () => {
    await p?.stop();
  });

  const post = (query: string, headers: Record<string, string>, body: string | Uint8Array) =>
    fetch(`${p.baseUrl}/v1/events${query}`, { method: "POST", headers, body });

  it("stores beacons and gzip bodies, adds the device class, and stores nothing from a disallowed origin", async () => {
    const preflight = await fetch(`${p.baseUrl}/v1/events`, {
      method: "OPTIONS",
      headers: {
        origin: SITE,
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization,content-type",
      },
    });
    expect([preflight.status, preflight.headers.get("access-control-allow-origin")]).toEqual([204, SITE]);

    const beacon = await post(
      "?key=pk_site",
      { origin: SITE, "content-type": "text/plain;charset=UTF-8", "user-agent": CHROME },
      `${JSON.stringify(event("beacon-1"))}\n${JSON.stringify(event("beacon-2", { device: { type: "tv" } }))}`,
    );
    expect([beacon.status, beacon.headers.get("access-control-allow-origin"), await beacon.json()]).toEqual([
      202,
      SITE,
      {
        accepted: 2,
        duplicates: 0,
        rejected: 0,
        results: [
          { index: 0, id: "beacon-1", status: "accepted" },
          { index: 1, id: "beacon-2", status: "accepted" },
        ],
      },
    ]);

    const gz = await post(
      "",
      { authorization: `Bearer ${p.writeKey}`, "content-type": "application/json", "content-encoding": "gzip" },
      gzipSync(JSON.stringify([event("gzip-1"), event("gzip-2")])),
    );
    expect(await gz.json()).toMatchObject({ accepted: 2 });

    const evil = await post(
      "?key=pk_site",
      { origin: "http://evil.test", "content-type": "text/plain" },
      JSON.stringify(event("evil-1")),
    );
    expect([evil.status, evil.headers.get("access-control-allow-origin")]).toEqual([403, null]);
    const noOrigin = await post("?key=pk_site", { "content-type": "text/plain" }, JSON.stringify(event("evil-2")));
    expect(noOrigin.status).toBe(403);
    const bomb = await post(
      "",
      { authorization: `Bearer ${p.writeKey}`, "content-type": "application/json", "content-encoding": "gzip" },
      gzipSync(Buffer.alloc(64 * 1024 * 1024, 0x20)),
    );
    expect(bomb.status).toBe(413);

    // A last event through the same path: once it is stored, everything accepted before it is too.
    expect((await p.send(event("last"))).status).toBe(202);
    const rows = await waitFor(
      async () => {
        const rs = await p.store.select<{ id: string; device_type: string }>(
          sql`SELECT id, device_type FROM ${p.store.db}.events ORDER BY id`,
        );
        return rs.some((r) => r.id === "last") ? rs : undefined;
      },
      { timeoutMs: 20_000, what: "the events in ClickHouse" },
    );
    expect(rows).toEqual([
      { id: "beacon-1", device_type: "desktop" },
      { id: "beacon-2", device_type: "tv" },
      { id: "gzip-1", device_type: "" },
      { id: "gzip-2", device_type: "" },
      { id: "last", device_type: "" },
    ]);
  });
});
