import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../local-servers/index.ts";
import { chQuery } from "./clickhouse-http.ts";
import { TargetError } from "./errors.ts";
import { checkTargets } from "./targets.ts";

/** A fake edge (GET /v1/videos/:id/stats) and a fake ClickHouse (POST /?database=) on one port. */
let server: Server;
let base = "";
const auth: (string | undefined)[] = [];

function answer(req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? "/", "http://x");
  const json = (status: number, body: unknown): void => void res.writeHead(status).end(JSON.stringify(body));
  auth.push(req.headers.authorization);
  if (url.pathname === "/" && req.method === "POST") {
    if (url.searchParams.get("database") === "nosuchdb")
      return void res
        .writeHead(404)
        .end("Code: 81, e.displayText() = DB::Exception: Database nosuchdb doesn't exist, e.what() = DB::Exception\n");
    return void res.writeHead(200).end("1\n");
  }
  const key = req.headers.authorization;
  if (key === "Bearer rk") return json(200, { views: 0 });
  if (key === "Bearer wk")
    return json(403, { error: { code: "forbidden", message: "this key lacks the stats:read scope" } });
  if (key === "Bearer edge-only") return json(404, { error: { code: "not_found", message: "no route" } });
  json(401, { error: { code: "unauthorized", message: "unknown read key" } });
}

beforeAll(async () => {
  server = createServer(answer);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const addr = server.address();
  base = `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

/** What checkTargets throws, as name and message; "ok" when it passes. */
async function outcome(opts: Partial<Parameters<typeof checkTargets>[0]>): Promise<string> {
  try {
    await checkTargets({ url: base, readKey: undefined, clickhouse: undefined, runId: "r1", ...opts });
    return "ok";
  } catch (err: unknown) {
    return err instanceof TargetError ? `TargetError: ${err.message}` : `other: ${String(err)}`;
  }
}

describe("checkTargets", () => {
  it.each([
    ["a read key the query API takes", { readKey: "rk" }, "ok"],
    [
      "an unknown read key",
      { readKey: "nope" },
      "TargetError: the query API at {base} refused --read-key (401 unknown read key): pass a read key of the target (PLAYPULSE_READ_KEYS, or a PLAYPULSE_KEYS key with stats:read)",
    ],
    [
      "a write key given as the read key",
      { readKey: "wk" },
      "TargetError: the query API at {base} refused --read-key (403 this key lacks the stats:read scope): pass a read key of the target (PLAYPULSE_READ_KEYS, or a PLAYPULSE_KEYS key with stats:read)",
    ],
    [
      "an edge without the query role",
      { readKey: "edge-only" },
      "TargetError: {base} does not serve the query API (GET /v1/videos/r1.check/stats answered 404 no route): point --url at an edge that runs the query role, or leave out --read-key",
    ],
    ["a database ClickHouse has", { clickhouse: { url: "", database: "pp_x" } }, "ok"],
    [
      "a database ClickHouse does not have",
      { clickhouse: { url: "", database: "nosuchdb" } },
      "TargetError: ClickHouse answered 404: Code: 81, e.displayText() = DB::Exception: Database nosuchdb doesn't exist, e.what() = DB::Exception (check --clickhouse-url and --database: the pipeline's CLICKHOUSE_URL and CLICKHOUSE_DATABASE)",
    ],
  ])("%s: %s", async (_name, opts, expected) => {
    const withBase = {
      ...opts,
      ...("clickhouse" in opts && opts.clickhouse ? { clickhouse: { ...opts.clickhouse, url: base } } : {}),
    };
    expect(await outcome(withBase)).toBe(expected.replaceAll("{base}", base));
  });

  it("names ClickHouse and the reason when it cannot be reached, and hides the password", async () => {
    const port = await freePort();
    const r = await outcome({ clickhouse: { url: `http://u:secret@127.0.0.1:${port}`, database: "pp_x" } });
    expect(r).toBe(
      `TargetError: cannot read ClickHouse at http://u:***@127.0.0.1:${port}: fetch failed: connect ECONNREFUSED 127.0.0.1:${port} (check --clickhouse-url and --database: the pipeline's CLICKHOUSE_URL and CLICKHOUSE_DATABASE)`,
    );
  });
});

it("leaves an edge that cannot be reached to the run (it reports connection errors)", async () => {
  expect(await outcome({ url: `http://127.0.0.1:${await freePort()}`, readKey: "rk" })).toBe("ok");
});

describe("chQuery", () => {
  it("sends the URL's user and password as basic auth (fetch refuses them in the URL)", async () => {
    auth.length = 0;
    const rows = await chQuery({ url: base.replace("//", "//play%20er:p%40ss@"), database: "pp_x" }, "SELECT 1");
    expect(rows).toEqual([["1"]]);
    expect(auth).toEqual([`Basic ${Buffer.from("play er:p@ss").toString("base64")}`]);
  });
});
