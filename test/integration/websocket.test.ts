/**
 * NATS over WebSocket at the edge: nats-server 2.9's own websocket listener, `NATS_URL=ws://…`,
 * and the edge on Deno, Bun and Node publishing through it. 202 still means stored: the
 * consumers (over TCP, in this process) store exactly the accepted ids.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { RuntimeName } from "../../src/http/runtimes.ts";
import { sql } from "../../src/store/index.ts";
import { startNats, startPipeline, waitFor, type NatsServerHandle, type Pipeline } from "../helpers/index.ts";
import { websocketListener } from "../helpers/nats-websocket.ts";
import { spawnRole } from "../helpers/roles.ts";

let nats: NatsServerHandle;
let wsUrl: string;

beforeAll(async () => {
  const ws = await websocketListener();
  nats = await startNats({ config: ws.config });
  wsUrl = ws.url;
});
afterAll(async () => {
  await nats?.[Symbol.asyncDispose]();
});

const played = (id: string) => ({
  id,
  type: "user.video.played",
  timestamp: new Date(Date.now() - 60_000).toISOString(),
  user_id: "u1",
  view_id: `view-${id}`,
  video_id: "m1",
  position_ms: 0,
  startup_ms: 250,
});

describe.each<RuntimeName>(["deno", "bun", "node"])("the edge on %s over ws://", (runtime) => {
  let p: Pipeline;
  beforeAll(async () => {
    p = await startPipeline({ natsUrl: nats.url, clickhouseUrl: inject("clickhouseUrl"), roles: ["analytics"] });
  });
  afterAll(async () => {
    await p?.stop();
  });

  it("answers 202 and the consumers store exactly the accepted events", { timeout: 120_000 }, async () => {
    await using edge = await spawnRole(["ingest"], {
      runtime,
      name: `${runtime}-ws-edge`,
      env: {
        ...p.env,
        NATS_URL: wsUrl,
        PLAYPULSE_LOG_LEVEL: "info",
        // Node 20 has WebSocket behind a flag (global from Node 22).
        ...(runtime === "node" ? { NODE_OPTIONS: "--experimental-websocket" } : {}),
      },
      startTimeoutMs: 90_000,
    });
    const ids = [1, 2, 3].map((i) => `${p.ns}-ws-${i}`);
    const res = await fetch(`${edge.baseUrl}/v1/events`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${p.writeKey}` },
      body: JSON.stringify(ids.map(played)),
    });
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ accepted: 3, duplicates: 0, rejected: 0 });
    const stored = await waitFor(
      async () => {
        const rows = await p.store.select<{ id: string }>(sql`SELECT id FROM ${p.store.db}.events ORDER BY id`);
        return rows.length >= 3 ? rows.map((r) => r.id) : undefined;
      },
      { timeoutMs: 30_000, what: "3 events stored" },
    );
    expect(stored).toEqual(ids);
    // The edge was given no other way to reach NATS than the websocket listener.
    expect(await edge.stop("SIGTERM", 20_000)).toBe(0);
  });
});
