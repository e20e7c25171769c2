import { connect, createServer, type Server, type Socket } from "node:net";
import { describe, expect, it } from "vitest";
import { freePort, isPortClash, pickPort, retryOnPortClash } from "./ports.ts";

async function listening(port = 0): Promise<Server> {
  const server = createServer((socket) => socket.on("error", () => undefined));
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", () => resolve()));
  return server;
}

function portOf(server: Server): number {
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

describe("pickPort", () => {
  it("answers the preferred port when it is free", async () => {
    const port = await freePort();
    expect(await pickPort(port)).toBe(port);
  });

  it("answers another port when something listens on the preferred one", async () => {
    const server = await listening();
    try {
      const picked = await pickPort(portOf(server));
      expect(picked).not.toBe(portOf(server));
      expect(await pickPort(picked)).toBe(picked);
    } finally {
      server.close();
    }
  });

  it("answers another port when an outgoing connection's local end holds the preferred one", async () => {
    const server = await listening();
    // The kernel picks the local end from the ephemeral range, where free ports come from too.
    const client: Socket = connect({ host: "127.0.0.1", port: portOf(server) });
    try {
      await new Promise<void>((resolve, reject) => client.once("connect", resolve).once("error", reject));
      const localPort = client.localPort;
      expect(localPort).toBeGreaterThan(0);
      expect(await pickPort(localPort ?? 0)).not.toBe(localPort);
    } finally {
      client.destroy();
      server.close();
    }
  });
});

describe("retryOnPortClash", () => {
  it("starts again while a port was taken, and answers the first start that works", async () => {
    const calls: number[] = [];
    const started = await retryOnPortClash(() => {
      calls.push(calls.length + 1);
      if (calls.length < 3)
        return Promise.reject(
          new Error("did not start\n<Error> Application: Net Exception: Address already in use: 127.0.0.1:35287"),
        );
      return Promise.resolve("up");
    });
    expect(started).toBe("up");
    expect(calls).toEqual([1, 2, 3]);
  });

  it("gives up after the last attempt with that attempt's error", async () => {
    let calls = 0;
    await expect(
      retryOnPortClash(() => {
        calls++;
        return Promise.reject(new Error(`listen tcp 127.0.0.1:4222: bind: address already in use (${calls})`));
      }, 2),
    ).rejects.toThrow("address already in use (2)");
    expect(calls).toBe(2);
  });

  it("never retries another failure", async () => {
    let calls = 0;
    await expect(
      retryOnPortClash(() => {
        calls++;
        return Promise.reject(new Error("clickhouse-server not found on PATH"));
      }),
    ).rejects.toThrow("not found on PATH");
    expect(calls).toBe(1);
  });

  it("knows the words of Node, ClickHouse and nats-server for a taken port", () => {
    expect(isPortClash(Object.assign(new Error("listen EADDRINUSE: address already in use 127.0.0.1:80"), {}))).toBe(
      true,
    );
    expect(isPortClash(new Error("Net Exception: Address already in use: 127.0.0.1:35287"))).toBe(true);
    expect(isPortClash(new Error("timed out"))).toBe(false);
    expect(isPortClash("address already in use")).toBe(false);
  });
});
