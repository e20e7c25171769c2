import { connect, type NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "../telemetry/logger.ts";

export interface BusConnection {
  nc: NatsConnection;
  /** True while the client holds a live connection to a server. */
  isConnected(): boolean;
  /** Called on every disconnect, so in-flight publishes can fail fast. */
  onDisconnect(listener: () => void): void;
  close(): Promise<void>;
}

/**
 * Connects to NATS, reconnecting forever, and tracks connection state so the edge can
 * answer 503 at once while the broker is away instead of buffering publishes.
 */
export async function connectBus(url: string, name: string, logger: Logger): Promise<BusConnection> {
  const nc = await connect({
    servers: url.split(","),
    name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    waitOnFirstConnect: true,
    pingInterval: 5_000,
    maxPingOut: 2,
  });
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
