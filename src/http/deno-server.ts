import type { Hono } from "hono";
import { fetchClosingRefused } from "./linger.ts";
import type { HttpServer } from "./node-server.ts";

/** The part of Deno's API this adapter uses (no Deno types needed to type-check on Node). */
interface DenoHttpServer {
  addr: { port: number };
  finished: Promise<void>;
  shutdown(): Promise<void>;
}
interface DenoRuntime {
  serve(
    options: { hostname: string; port: number; onListen?: (addr: { port: number }) => void },
    handler: (req: Request) => Response | Promise<Response>,
  ): DenoHttpServer;
}

/** True when this process runs on Deno. */
export function isDeno(): boolean {
  return typeof (globalThis as { Deno?: unknown }).Deno !== "undefined";
}

/**
 * The Deno adapter: `Deno.serve` with the app's web-standard `fetch`. `close()` is Deno's
 * graceful shutdown: stop accepting, let in-flight requests finish.
 *
 * @example
 * const http = await listenDeno(app, "0.0.0.0", 8080);
 */
export function listenDeno(app: Hono, host: string, port: number): Promise<HttpServer> {
  const deno = (globalThis as { Deno?: DenoRuntime }).Deno;
  if (!deno) return Promise.reject(new Error("listenDeno: not running on Deno"));
  return new Promise((resolve) => {
    const server = deno.serve({ hostname: host, port, onListen: () => undefined }, (req) =>
      // A refused body: the answer, then the connection closed LINGER_MS later, as on Node.
      fetchClosingRefused(app, req),
    );
    resolve({
      port: server.addr.port,
      close: async () => {
        await server.shutdown();
        await server.finished;
      },
    });
  });
}
