/**
 * The HTTP ceiling: a Hono app on the same runtime and adapter as the ingest edge that reads
 * the body the way the edge does (readBody within the edge's default limits), parses every
 * event (one JSON value, or a JSON array) and answers 202, with no validation, no broker and
 * no store. Run: `<runtime> test/bench/bare-server.ts <port>`.
 */
import { Hono } from "hono";
import { isBun, listenBun } from "../../src/http/bun-server.ts";
import { isDeno, listenDeno } from "../../src/http/deno-server.ts";
import { listenNode } from "../../src/http/node-server.ts";
import { readBody, requestBody, type BodyLimits } from "../../src/ingest/index.ts";

const port = Number(process.argv[2] ?? "0");
/** The edge's default limits (src/config.ts, src/main.ts). */
const limits: BodyLimits = {
  maxBodyBytes: 1024 * 1024,
  maxBatchEvents: 1000,
  maxEventBytes: 32 * 1024,
  bodyTimeoutMs: 10_000,
};
const utf8 = new TextDecoder();
const app = new Hono();
app.get("/readyz", (c) => c.json({ status: "ready" }));
app.post("/v1/events", async (c) => {
  // Read as the edge reads it (on Node, from the IncomingMessage; see requestBody).
  const parsed: unknown = JSON.parse(utf8.decode(await readBody(requestBody(c.req.raw, c.env), limits)));
  const n = Array.isArray(parsed) ? parsed.length : 1;
  return c.json({ accepted: n, duplicates: 0, rejected: 0 }, 202);
});
const listen = isBun() ? listenBun : isDeno() ? listenDeno : listenNode;
const server = await listen(app, "127.0.0.1", port);
process.stdout.write(`listening ${server.port}\n`);
process.once("SIGTERM", () => {
  void server.close().then(() => process.exit(0));
});
