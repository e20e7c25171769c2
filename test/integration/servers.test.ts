import { connect, createServer } from "node:net";
import { describe, expect, inject, it } from "vitest";
import { freePort, isPortClash, isPortOpen, startClickHouse, startNats, uniqueNamespace } from "../helpers/index.ts";

interface Jsz {
  server_id: string;
  config: { store_dir: string };
}

describe("test server helpers", () => {
  it("global setup provides a nats-server and a clickhouse-server that answer", async () => {
    const nats = new URL(inject("natsUrl"));
    await expect(readNatsInfo(nats.hostname, Number(nats.port))).resolves.toMatch(/^INFO \{/);
    await expect(clickhouse(inject("clickhouseUrl"), "SELECT 1")).resolves.toBe("1\n");
  });

  it("startNats restarts on the same ports and store dir, and frees the ports on dispose", async () => {
    let ports: number[];
    {
      await using nats = await startNats();
      ports = [nats.port, nats.monitorPort];
      expect(nats.url).toBe(`nats://127.0.0.1:${nats.port}`);
      const before = await jsz(nats.monitorPort);
      expect(before.config.store_dir).toBe(`${nats.storeDir}/jetstream`);
      const pidBefore = nats.pid();

      await nats.restart();

      const after = await jsz(nats.monitorPort);
      expect(after.config.store_dir).toBe(before.config.store_dir);
      expect(after.server_id).not.toBe(before.server_id);
      expect(nats.pid()).not.toBe(pidBefore);
      await expect(readNatsInfo("127.0.0.1", nats.port)).resolves.toMatch(/^INFO \{/);
    }
    expect(await Promise.all(ports.map(isPortOpen))).toEqual([false, false]);
  });

  it("startClickHouse restarts on the same port with its data kept, and frees the port on dispose", async () => {
    let port: number;
    {
      await using ch = await startClickHouse();
      port = ch.httpPort;
      const db = uniqueNamespace("servers");
      await clickhouse(ch.url, `CREATE DATABASE ${db}`);
      await clickhouse(ch.url, `CREATE TABLE ${db}.plays (n UInt8) ENGINE = MergeTree ORDER BY n`);
      await clickhouse(ch.url, `INSERT INTO ${db}.plays VALUES (1)`);

      await ch.restart();

      await expect(clickhouse(ch.url, `SELECT count() FROM ${db}.plays`)).resolves.toBe("1\n");
    }
    await expect(isPortOpen(port)).resolves.toBe(false);
  });

  it("says so, in words retryOnPortClash knows, when a server's port is taken", async () => {
    const port = await freePort();
    // It hangs up on whoever connects: a start-up probe that reached it must not hold up its close.
    const holder = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => holder.listen(port, "127.0.0.1", resolve));
    try {
      const clickhouseError = await startClickHouse({ httpPort: port }).catch((error: unknown) => error);
      expect(isPortClash(clickhouseError)).toBe(true);
      const natsError = await startNats({ port }).catch((error: unknown) => error);
      expect(isPortClash(natsError)).toBe(true);
    } finally {
      await new Promise<void>((resolve) => holder.close(() => resolve()));
    }
  });
});

async function clickhouse(url: string, query: string): Promise<string> {
  const response = await fetch(url, { method: "POST", body: query });
  const body = await response.text();
  if (!response.ok) throw new Error(`ClickHouse HTTP ${response.status}: ${body}`);
  return body;
}

async function jsz(monitorPort: number): Promise<Jsz> {
  const response = await fetch(`http://127.0.0.1:${monitorPort}/jsz`);
  return (await response.json()) as Jsz;
}

/** The INFO line a NATS server sends first to every client. */
function readNatsInfo(host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    socket.setTimeout(5_000, () => socket.destroy(new Error(`no INFO from ${host}:${port} within 5 s`)));
    socket.setEncoding("utf8");
    socket.once("data", (chunk: string) => {
      socket.destroy();
      resolve(chunk.split("\r\n")[0] ?? "");
    });
    socket.once("error", reject);
  });
}
