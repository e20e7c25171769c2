import { describe, expect, it } from "vitest";
import { natsTransport } from "./connect.ts";

describe("natsTransport", () => {
  it.each([
    ["nats://127.0.0.1:4222", "tcp", ["nats://127.0.0.1:4222"]],
    ["nats://a:4222, nats://b:4222", "tcp", ["nats://a:4222", "nats://b:4222"]],
    ["tls://a:4222", "tcp", ["tls://a:4222"]],
    ["ws://127.0.0.1:8080", "websocket", ["ws://127.0.0.1:8080"]],
    ["wss://a.example:443,WSS://b.example:443", "websocket", ["wss://a.example:443", "WSS://b.example:443"]],
  ])("%s is %s", (url, kind, servers) => {
    expect(natsTransport(url)).toEqual({ kind, servers });
  });

  it("refuses a list that mixes WebSocket and TCP servers", () => {
    expect(() => natsTransport("ws://a:8080,nats://b:4222")).toThrow(
      "NATS_URL mixes ws:// or wss:// with other servers (ws://a:8080,nats://b:4222); use one kind",
    );
  });
});
