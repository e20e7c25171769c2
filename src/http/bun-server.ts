import type { Hono } from "hono";
import { fetchClosingRefused } from "./linger.ts";
import type { HttpServer } from "./node-server.ts";

/** The part of Bun's API this adapter uses (no @types/bun needed to type-check on Node). */
interface BunServer {
  port: number;
  stop(closeActiveConnections?: boolean): Promise<void> | void;
}
interface BunRuntime {
  serve(options: {
    fetch: (req: Request) => Response | Promise<Response>;
    hostname: string;
    port: number;
    maxRequestBodySize?: number;
    idleTimeout?: number;
  }): BunServer;
}

/** True when this process runs on Bun. */
export function isBun(): boolean {
  return typeof (globalThis as { Bun?: unknown }).Bun !== "undefined";
}

/**
 * The Bun adapter: `Bun.serve` with the app's web-standard `fetch`. `close()` stops
 * accepting and resolves when in-flight requests have finished.
 *
 * @example
 * const http = await listenBun(app, "0.0.0.0", 8080);
 */
export function listenBun(
  app: Hono,
  host: string,
  port: number,
  opts: { maxBodyBytes?: number } = {},
): Promise<HttpServer> {
  const bun = (globalThis as { Bun?: BunRuntime }).Bun;
  if (!bun) return Promise.reject(new Error("listenBun: not running on Bun"));
  const server = bun.serve({
    // A refused body: the answer, then the connection closed LINGER_MS later, as on Node.
    fetch: (req) => fetchClosingRefused(app, req),
    hostname: host,
    port,
    // Bun closes a connection idle for 10 s by default, the same time as the body timeout: a
    // slow body must get its 408 from the route, not a closed socket (seconds; Node has no such limit).
    idleTimeout: 60,
    // The ingest route enforces its own limit; Bun's default (128 MiB) is only the outer bound.
    ...(opts.maxBodyBytes !== undefined ? { maxRequestBodySize: opts.maxBodyBytes + 1024 } : {}),
  });
  return Promise.resolve({
    port: server.port,
    close: async () => {
      await server.stop(false);
    },
  });
}
