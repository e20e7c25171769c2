import { createServer, type Server } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { startLoad, type LoadEvent } from "./steady.ts";

/** An edge double that answers each POST with the next scripted reply, then 202 for every event. */
async function edge(
  script: ((events: LoadEvent[]) => { status: number; headers?: Record<string, string>; body: unknown })[],
): Promise<{ server: Server; url: string; bodies: LoadEvent[][] }> {
  const bodies: LoadEvent[][] = [];
  const server = createServer((req, res) => {
    let text = "";
    req.on("data", (d: Buffer) => (text += d.toString()));
    req.on("end", () => {
      const events = JSON.parse(text) as LoadEvent[];
      bodies.push(events);
      const reply = script.shift()?.(events) ?? {
        status: 202,
        body: {
          accepted: events.length,
          duplicates: 0,
          rejected: 0,
          results: events.map((e, index) => ({ index, id: e.id, status: "accepted" })),
        },
      };
      res.writeHead(reply.status, { "content-type": "application/json", ...reply.headers });
      res.end(JSON.stringify(reply.body));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const addr = server.address();
  return { server, url: `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}`, bodies };
}

let open: Server | undefined;
afterEach(async () => {
  open?.closeAllConnections();
  await new Promise<void>((r) => (open ? open.close(() => r()) : r()));
  open = undefined;
});

const batches = () => {
  let n = 0;
  return () => [0, 1].map(() => ({ id: `e${n++}`, type: "user.video.played", timestamp: "2026-12-06T00:00:00Z" }));
};

describe("startLoad", () => {
  it("sends a batch answered 503 again with the same ids after Retry-After, and confirms each id once", async () => {
    const e = await edge([
      () => ({ status: 503, headers: { "retry-after": "1" }, body: { error: { code: "broker_unavailable" } } }),
    ]);
    open = e.server;
    const load = startLoad({ url: e.url, writeKey: "wk", nextBatch: batches(), concurrency: 1, pauseMs: 10 });
    await load.confirmedAtLeast(4, 10_000);
    const stats = await load.stop();
    expect(e.bodies.slice(0, 3).map((b) => b.map((x) => x.id))).toEqual([
      ["e0", "e1"],
      ["e0", "e1"],
      ["e2", "e3"],
    ]);
    expect(load.responses[0]).toMatchObject({ status: 503, retryAfter: "1", error: "broker_unavailable", events: 2 });
    expect((load.responses[1]?.sentAt ?? 0) - (load.responses[0]?.answeredAt ?? 0)).toBeGreaterThanOrEqual(990);
    expect([...load.confirmed.keys()].slice(0, 4)).toEqual(["e0", "e1", "e2", "e3"]);
    expect({ ...stats, byStatus: stats.byStatus["503"], accepted: stats.accepted === load.confirmed.size }).toEqual({
      requests: load.responses.length,
      retries: 1,
      byStatus: 1,
      accepted: true,
      duplicates: 0,
      rejected: [],
      abandoned: 0,
    });
  });

  it("records events answered rejected with their reason, and gives up on a batch refused whole", async () => {
    const e = await edge([
      (events) => ({
        status: 202,
        body: {
          accepted: 1,
          duplicates: 0,
          rejected: 1,
          results: [
            { index: 0, id: events[0]?.id, status: "accepted" },
            { index: 1, id: events[1]?.id, status: "rejected", error: "startup_ms: must be a number" },
          ],
        },
      }),
      () => ({ status: 401, body: { error: { code: "unauthorized" } } }),
    ]);
    open = e.server;
    const load = startLoad({ url: e.url, writeKey: "wk", nextBatch: batches(), concurrency: 1, pauseMs: 10 });
    await load.confirmedAtLeast(3, 10_000);
    const stats = await load.stop();
    expect(load.responses.slice(0, 2).map((r) => [r.status, r.error])).toEqual([
      [202, undefined],
      [401, "unauthorized"],
    ]);
    expect([...load.confirmed.keys()].slice(0, 3)).toEqual(["e0", "e4", "e5"]);
    expect(stats.rejected.slice(0, 3)).toEqual([
      { id: "e1", error: "startup_ms: must be a number" },
      { id: "e2", error: 'HTTP 401: {"error":{"code":"unauthorized"}}' },
      { id: "e3", error: 'HTTP 401: {"error":{"code":"unauthorized"}}' },
    ]);
    expect([stats.abandoned, stats.retries]).toEqual([1, 0]);
  });

  it("gives up a batch that still fails when stop's deadline has passed", async () => {
    const down = () => ({
      status: 503,
      headers: { "retry-after": "0" },
      body: { error: { code: "broker_unavailable" } },
    });
    const e = await edge(Array.from({ length: 1000 }, () => down));
    open = e.server;
    const load = startLoad({ url: e.url, writeKey: "wk", nextBatch: batches(), concurrency: 1, reconnectMs: 5 });
    await expect.poll(() => load.responses.length, { timeout: 5000 }).toBeGreaterThanOrEqual(3);
    const stats = await load.stop(0);
    expect([stats.abandoned, load.confirmed.size, stats.accepted]).toEqual([1, 0, 0]);
    expect(stats.retries).toBe(load.responses.length - 1);
  });
});
