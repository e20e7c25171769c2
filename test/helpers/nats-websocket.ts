import { freePort } from "../../src/local-servers/index.ts";

/**
 * A websocket listener on a free port: the nats-server configuration (`startNats({ config })`)
 * and the `ws://` URL a client is given.
 *
 * @example
 * const ws = await websocketListener();
 * await using nats = await startNats({ config: ws.config });
 */
export async function websocketListener(): Promise<{ config: string; url: string }> {
  const port = await freePort();
  return { config: `websocket {\n  listen: "127.0.0.1:${port}"\n  no_tls: true\n}\n`, url: `ws://127.0.0.1:${port}` };
}
