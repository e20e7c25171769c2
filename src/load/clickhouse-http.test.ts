import { createServer, type Server } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { chQuery } from "./clickhouse-http.ts";
import { TargetError } from "./errors.ts";

let server: Server | undefined;

afterEach(async () => {
  await new Promise((r) => server?.close(r));
  server = undefined;
});

/** A server that drops the connection without an answer for the first `drops` requests, then answers "3". */
async function dropping(drops: number): Promise<{ url: string; requests: () => number }> {
  let requests = 0;
  server = createServer((req, res) => {
    requests++;
    if (requests <= drops) {
      req.socket.destroy();
      return;
    }
    req.resume();
    req.on("end", () => res.end("3\n"));
  });
  await new Promise<void>((r) => server?.listen(0, "127.0.0.1", r));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  return { url: `http://127.0.0.1:${address.port}`, requests: () => requests };
}

describe("chQuery", () => {
  it("sends a read again once when the connection closes without an answer", async () => {
    const s = await dropping(1);
    expect(await chQuery({ url: s.url, database: "d" }, "SELECT 3")).toEqual([["3"]]);
    expect(s.requests()).toBe(2);
  });

  it("says ClickHouse cannot be read when the second try fails too, and tries no more", async () => {
    const s = await dropping(5);
    const err = await chQuery({ url: s.url, database: "d" }, "SELECT 3").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TargetError);
    expect((err as Error).message).toMatch(/^cannot read ClickHouse at http:\/\/127\.0\.0\.1:\d+: fetch failed/);
    expect(s.requests()).toBe(2);
  });
});
