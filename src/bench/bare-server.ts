/**
 * The HTTP ceiling: a Hono app on the same runtime and adapter as the ingest edge that reads
 * the body, parses every event (one JSON value, or a JSON array) and answers 202, with no
 * validation, no broker and no store. Run: `<runtime> src/bench/bare-server.ts <port>`.
 */
import { Hono } from "hono";
import { isBun, listenBun } from "../http/bun-server.ts";
import { isDeno, listenDeno } from "../http/deno-server.ts";
import { listenNode } from "../http/node-server.ts";

const port = Number(process.argv[2] ?? "0");
const app = new Hono();
app.get("/readyz", (c) => c.json({ status: "ready" }));
app.post("/v1/events", async (c) => {
  const parsed: unknown = JSON.parse(await c.req.text());
  const n = Array.isArray(parsed) ? parsed.length : 1;
  return c.json({ accepted: n, duplicates: 0, rejected: 0 }, 202);
});
const listen = isBun() ? listenBun : isDeno() ? listenDeno : listenNode;
const server = await listen(app, "127.0.0.1", port);
process.stdout.write(`listening ${server.port}\n`);
process.once("SIGTERM", () => {
  void server.close().then(() => process.exit(0));
});
