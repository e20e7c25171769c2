import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LoadOptions } from "./options.ts";
import { runLoad } from "./runner.ts";

/** A fake edge that refuses every key: 403 for "rk" (a read key), 401 for any other. */
let server: Server;
let url = "";
let requests = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      requests++;
      const forbidden = req.headers.authorization === "Bearer rk";
      const error = forbidden
        ? { code: "forbidden", message: "this key has neither events:write nor catalog" }
        : { code: "unauthorized", message: "unknown write key" };
      const body = JSON.stringify({ error });
      res.writeHead(forbidden ? 403 : 401, { "content-length": String(Buffer.byteLength(body)) }).end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const addr = server.address();
  url = `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

function options(over: Partial<LoadOptions>): LoadOptions {
  return {
    url,
    key: "nope",
    readKey: undefined,
    clickhouse: undefined,
    mode: { kind: "concurrency", workers: 2 },
    batch: 5,
    format: "json",
    durationMs: 60_000,
    events: undefined,
    connections: 2,
    titles: 5,
    zipf: 1,
    viewers: 5,
    heartbeatMs: 30_000,
    seed: 1,
    runId: "r1",
    timeoutMs: 5000,
    retries: 3,
    catalog: true,
    freshnessEveryMs: 0,
    verify: false,
    verifyTimeoutMs: 1000,
    json: false,
    progress: "off",
    announce: false,
    ...over,
  };
}

describe("runLoad against an edge that refuses the key", () => {
  it.each([
    ["the catalog's first request", {}, 1, { status: 401, message: "unknown write key" }],
    [
      "the first requests of the closed model (no catalog)",
      { catalog: false },
      2,
      { status: 401, message: "unknown write key" },
    ],
    [
      "a read key given as --key",
      { key: "rk" },
      1,
      { status: 403, message: "this key has neither events:write nor catalog" },
    ],
  ])("stops at %s, without retries", async (_name, over, sent, refused) => {
    requests = 0;
    const r = await runLoad(options(over));
    expect({ requests, refused: r.refused, accepted: r.stats.accepted, retries: r.stats.retries }).toEqual({
      requests: sent,
      refused,
      accepted: 0,
      retries: 0,
    });
  });
});
