import { readFileSync } from "node:fs";
import {
  credsAuthenticator,
  nkeyAuthenticator,
  usernamePasswordAuthenticator,
  wsconnect,
  type Authenticator,
} from "@nats-io/nats-core";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "../telemetry/logger.ts";
import { denoWebSocketFactory } from "./websocket.ts";

export interface BusConnection {
  nc: NatsConnection;
  /** True while the client holds a live connection to a server. */
  isConnected(): boolean;
  /** Called on every disconnect, so in-flight publishes can fail fast. */
  onDisconnect(listener: () => void): void;
  close(): Promise<void>;
}

/** How the process authenticates to NATS (NATS_CREDS, NATS_NKEY, or NATS_USER and NATS_PASSWORD). */
export type NatsAuth =
  | { kind: "none" }
  | { kind: "creds"; file: string }
  | { kind: "nkey"; seedFile: string }
  | { kind: "password"; user: string; password: string };

const WS = /^wss?:\/\//i;

/**
 * How to reach the servers of a `NATS_URL`: raw TCP (`nats://`, `tls://`, `host:port`) or
 * WebSocket (`ws://`, `wss://`: nats-server's websocket listener, for edge platforms that cannot
 * open TCP). One kind per URL list.
 *
 * @example
 * natsTransport("wss://nats.example.com:443"); // { kind: "websocket", servers: ["wss://nats.example.com:443"] }
 */
export function natsTransport(url: string): { kind: "tcp" | "websocket"; servers: string[] } {
  const servers = url
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  const ws = servers.filter((s) => WS.test(s)).length;
  if (ws > 0 && ws < servers.length) {
    throw new Error(`NATS_URL mixes ws:// or wss:// with other servers (${url}); use one kind`);
  }
  return { kind: ws > 0 ? "websocket" : "tcp", servers };
}

/**
 * The nats.js authenticator for the configured credentials (undefined: none). Files are read
 * here, once, so a missing creds or seed file stops the start with its path in the message.
 *
 * @example
 * const authenticator = natsAuthenticator(config.natsAuth); // the one config reader parsed NATS_USER, NATS_CREDS, ...
 */
export function natsAuthenticator(auth: NatsAuth): Authenticator | undefined {
  const file = (path: string, what: string): Uint8Array => {
    try {
      return readFileSync(path);
    } catch (err: unknown) {
      throw new Error(`cannot read the NATS ${what} file ${path} (${(err as Error).message})`, { cause: err });
    }
  };
  if (auth.kind === "creds") return credsAuthenticator(file(auth.file, "creds (NATS_CREDS)"));
  if (auth.kind === "nkey")
    return nkeyAuthenticator(new TextEncoder().encode(file(auth.seedFile, "nkey seed (NATS_NKEY)").toString().trim()));
  if (auth.kind === "password") return usernamePasswordAuthenticator(auth.user, auth.password);
  return undefined;
}

/**
 * Connects to NATS, over TCP or WebSocket as the URL says, reconnecting forever, and tracks
 * connection state so the edge can answer 503 at once while the broker is away instead of
 * buffering publishes. WebSocket needs a global `WebSocket`: Bun, Deno, Node 22+ (or Node 20
 * with `--experimental-websocket`).
 */
export async function connectBus(
  url: string,
  name: string,
  logger: Logger,
  auth: NatsAuth = { kind: "none" },
): Promise<BusConnection> {
  const { kind, servers } = natsTransport(url);
  const authenticator = natsAuthenticator(auth);
  const opts = {
    servers,
    name,
    ...(authenticator ? { authenticator } : {}),
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    waitOnFirstConnect: true,
    pingInterval: 5_000,
    maxPingOut: 2,
  };
  if (kind === "websocket" && typeof (globalThis as { WebSocket?: unknown }).WebSocket !== "function") {
    throw new Error(
      "NATS_URL is ws:// or wss://, but this runtime has no WebSocket: run the edge on Bun or Deno, " +
        "on Node 22+, or on Node 20 with --experimental-websocket",
    );
  }
  // Deno's WebSocket client stalls on frames over 1 KiB: denoWebSocketFactory sends smaller ones.
  const deno = typeof (globalThis as { Deno?: unknown }).Deno === "object";
  const nc =
    kind === "websocket"
      ? await wsconnect(deno ? { ...opts, wsFactory: denoWebSocketFactory() } : opts)
      : await connect(opts);
  let connected = true;
  const listeners: (() => void)[] = [];
  const watch = (async () => {
    for await (const s of nc.status()) {
      if (s.type === "disconnect") {
        connected = false;
        logger.warn({ server: s.server }, "nats disconnected");
        for (const l of listeners) l();
      } else if (s.type === "reconnect") {
        connected = true;
        logger.info({ server: s.server }, "nats reconnected");
      }
    }
  })();
  return {
    nc,
    isConnected: () => connected && !nc.isClosed(),
    onDisconnect: (l) => {
      listeners.push(l);
    },
    async close() {
      connected = false;
      if (!nc.isClosed()) await nc.drain().catch(() => nc.close());
      await watch.catch(() => undefined);
    },
  };
}
