/**
 * `/readyz` reflects what this process's roles need: the ingest edge needs NATS only, so a
 * ClickHouse outage never takes it out of service; the query role needs ClickHouse.
 */
import { describe, expect, inject, it } from "vitest";
import { freePort, isPortOpen, startClickHouse, startPipeline, waitFor, type Pipeline } from "../helpers/index.ts";

const readyz = async (p: Pipeline) => {
  const res = await fetch(`${p.baseUrl}/readyz`);
  return { status: res.status, body: await res.json() };
};
const READY = (checks: Record<string, boolean>) => ({ status: 200, body: { status: "ready", checks } });
const NOT_READY = (checks: Record<string, boolean>) => ({ status: 503, body: { status: "not_ready", checks } });

describe("readiness", () => {
  it("the ingest role alone is ready, and accepts events, while ClickHouse is unreachable", async () => {
    const closed = await freePort();
    await expect(isPortOpen(closed)).resolves.toBe(false);
    await using p = await startPipeline({
      natsUrl: inject("natsUrl"),
      clickhouseUrl: `http://127.0.0.1:${closed}`,
      roles: ["ingest"],
    });

    expect(await readyz(p)).toEqual(READY({ nats: true }));
    expect((await p.get("/healthz", null)).status).toBe(200);
    const r = await p.send({
      id: "ready-1",
      type: "user.video.paused",
      timestamp: new Date().toISOString(),
      user_id: "u",
      view_id: "v",
      video_id: "m",
      position_ms: 0,
    });
    expect(r).toMatchObject({ status: 202, body: { accepted: 1, duplicates: 0, rejected: 0 } });
  });

  it("an edge running ingest and query stays ready through a ClickHouse outage; reads answer 503, writes 202", async () => {
    await using ch = await startClickHouse();
    await using p = await startPipeline({
      natsUrl: inject("natsUrl"),
      clickhouseUrl: ch.url,
      roles: ["ingest", "query"],
    });
    expect(await readyz(p)).toEqual(READY({ nats: true, clickhouse: true }));

    await ch.stop();
    expect(await readyz(p)).toEqual(READY({ nats: true, clickhouse: false }));
    const r = await p.send({
      id: "edge-1",
      type: "user.video.paused",
      timestamp: new Date().toISOString(),
      user_id: "u",
      view_id: "v",
      video_id: "m",
      position_ms: 0,
    });
    expect(r).toMatchObject({ status: 202, body: { accepted: 1, duplicates: 0, rejected: 0 } });
    expect((await p.get("/v1/trending")).status).toBe(503);
  }, 120_000);

  it("the query role alone is not ready while its ClickHouse is down, and ready again after", async () => {
    await using ch = await startClickHouse();
    await using p = await startPipeline({ natsUrl: inject("natsUrl"), clickhouseUrl: ch.url, roles: ["query"] });
    expect(await readyz(p)).toEqual(READY({ clickhouse: true }));

    await ch.stop();
    expect(await readyz(p)).toEqual(NOT_READY({ clickhouse: false }));
    expect((await p.get("/healthz", null)).status).toBe(200);
    // A read meanwhile answers 503 (an outage, not our bug) as JSON through the one error handler.
    expect(await p.get("/v1/trending")).toEqual({
      status: 503,
      body: {
        error: {
          code: "clickhouse_unavailable",
          message: expect.stringMatching(/^clickhouse is unavailable: .+; retry later$/) as unknown,
        },
      },
    });

    await ch.restart();
    await waitFor(async () => (await readyz(p)).status === 200, {
      timeoutMs: 15_000,
      what: "/readyz 200 after ClickHouse restarted",
    });
    expect(await readyz(p)).toEqual(READY({ clickhouse: true }));
  }, 120_000);
});
