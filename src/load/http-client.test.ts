import { createServer, type Server } from "node:http";
import { createServer as createTcpServer } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HttpClientError, HttpConnection } from "./http-client.ts";

let server: Server;
let port = 0;
const seen: { method: string; url: string; body: string; auth: string | undefined }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (d: Buffer) => (body += d.toString()));
    req.on("end", () => {
      seen.push({ method: req.method ?? "", url: req.url ?? "", body, auth: req.headers.authorization });
      if (req.url === "/chunked") {
        res.writeHead(202, { "content-type": "text/plain" });
        res.write("hello ");
        res.end("world");
      } else if (req.url === "/close") {
        res.writeHead(503, { connection: "close", "content-length": "4" });
        res.end("busy");
      } else if (req.url === "/slow") {
        setTimeout(() => res.end("late"), 2000);
      } else {
        res.writeHead(202, { "content-length": String(Buffer.byteLength(body)) });
        res.end(body);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const addr = server.address();
  port = typeof addr === "object" && addr ? addr.port : 0;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

describe("HttpConnection", () => {
  it("sends method, path, headers and body, and reuses the connection", async () => {
    const conn = new HttpConnection("127.0.0.1", port);
    const connections = new Set<unknown>();
    const count = (s: unknown) => connections.add(s);
    server.on("connection", count);
    const a = await conn.request("POST", "/echo", { authorization: "Bearer k" }, Buffer.from('{"a":1}'));
    const b = await conn.request("POST", "/echo", {}, Buffer.from("second"));
    conn.close();
    server.off("connection", count);
    expect([a.status, a.body.toString(), b.status, b.body.toString()]).toEqual([202, '{"a":1}', 202, "second"]);
    expect(seen.slice(-2).map((s) => [s.method, s.url, s.auth])).toEqual([
      ["POST", "/echo", "Bearer k"],
      ["POST", "/echo", undefined],
    ]);
    expect(connections.size).toBe(1);
  });

  it("connects to an IPv6 literal as a URL gives it, in brackets, and sends it so in Host", async () => {
    const v6 = createServer((req, res) => res.end(req.headers.host));
    await new Promise<void>((r) => v6.listen(0, "::1", () => r()));
    const addr = v6.address();
    const v6port = typeof addr === "object" && addr ? addr.port : 0;
    const conn = new HttpConnection(new URL(`http://[::1]:${v6port}/`).hostname, v6port);
    const r = await conn.request("GET", "/", {});
    conn.close();
    v6.closeAllConnections();
    await new Promise<void>((done) => v6.close(() => done()));
    expect([r.status, r.body.toString()]).toEqual([200, `[::1]:${v6port}`]);
  });

  it("replaces a connection that sat idle longer than servers keep them", async () => {
    const conn = new HttpConnection("127.0.0.1", port, 5000, 50);
    const connections = new Set<unknown>();
    const count = (s: unknown) => connections.add(s);
    server.on("connection", count);
    await conn.request("POST", "/echo", {}, Buffer.from("1"));
    await conn.request("POST", "/echo", {}, Buffer.from("2"));
    await new Promise((r) => setTimeout(r, 120));
    const r = await conn.request("POST", "/echo", {}, Buffer.from("3"));
    conn.close();
    server.off("connection", count);
    expect([r.body.toString(), connections.size]).toEqual(["3", 2]);
  });

  it("reads chunked bodies", async () => {
    const conn = new HttpConnection("127.0.0.1", port);
    const r = await conn.request("GET", "/chunked", {});
    conn.close();
    expect([r.status, r.body.toString()]).toEqual([202, "hello world"]);
  });

  it("reconnects after the server closes the connection", async () => {
    const conn = new HttpConnection("127.0.0.1", port);
    const a = await conn.request("GET", "/close", {});
    const b = await conn.request("POST", "/echo", {}, Buffer.from("again"));
    conn.close();
    expect([a.status, a.body.toString(), b.status, b.body.toString()]).toEqual([503, "busy", 202, "again"]);
  });

  it("times out", async () => {
    const conn = new HttpConnection("127.0.0.1", port, 300);
    const err = await conn.request("GET", "/slow", {}).catch((e: unknown) => e);
    conn.close();
    expect(err).toBeInstanceOf(HttpClientError);
    expect((err as HttpClientError).code).toBe("timeout");
  });

  it("fails to connect with code connect", async () => {
    const probe = createTcpServer();
    await new Promise<void>((r) => probe.listen(0, "127.0.0.1", () => r()));
    const addr = probe.address();
    const closedPort = typeof addr === "object" && addr ? addr.port : 1;
    await new Promise<void>((r) => probe.close(() => r()));
    const err = await new HttpConnection("127.0.0.1", closedPort).request("GET", "/", {}).catch((e: unknown) => e);
    expect((err as HttpClientError).code).toBe("connect");
  });

  it("refuses a second request while one is in flight", async () => {
    const conn = new HttpConnection("127.0.0.1", port, 5000);
    const first = conn.request("GET", "/slow", {});
    await new Promise((r) => setTimeout(r, 50));
    await expect(conn.request("GET", "/echo", {})).rejects.toThrow(/one request at a time/);
    expect((await first).body.toString()).toBe("late");
    conn.close();
  });
});
