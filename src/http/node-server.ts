import { serve, type ServerType } from "@hono/node-server";
import type { Server, ServerResponse } from "node:http";
import type { Hono } from "hono";

export interface HttpServer {
  port: number;
  /** Stops accepting connections and waits for in-flight requests to finish. */
  close(): Promise<void>;
}

/** Node's own limits on how slowly a client may send (docs/security.md, "Timeouts"). */
export interface NodeTimeouts {
  /** `headersTimeout`: the request line and headers (Node's default 60 s lets slow headers hold a socket). */
  headersTimeoutMs: number;
  /** `requestTimeout`: the whole request, headers and body. */
  requestTimeoutMs: number;
}

const DEFAULT_TIMEOUTS: NodeTimeouts = { headersTimeoutMs: 10_000, requestTimeoutMs: 30_000 };

/** The Node adapter: the only place an HTTP port is opened on Node. */
export function listenNode(
  app: Hono,
  host: string,
  port: number,
  timeouts: NodeTimeouts = DEFAULT_TIMEOUTS,
): Promise<HttpServer> {
  return new Promise((resolve, reject) => {
    let server: ServerType | undefined = undefined;
    const serverOptions = {
      headersTimeout: timeouts.headersTimeoutMs,
      requestTimeout: timeouts.requestTimeoutMs,
      // How often Node checks those timeouts (its default, 30 s, would let a slow client hold a socket that long).
      connectionsCheckingInterval: Math.min(1000, timeouts.headersTimeoutMs),
    };
    server = serve({ fetch: app.fetch, hostname: host, port, serverOptions }, (info) => {
      const s = server as Server;
      resolve({
        port: info.port,
        close: () =>
          new Promise<void>((done) => {
            // close() leaves busy keep-alive connections open, and a client that keeps sending on
            // them would hold the stop forever: answer what still comes with "Connection: close".
            s.prependListener("request", (_req, res: ServerResponse) => res.setHeader("connection", "close"));
            s.close(() => done());
            s.closeIdleConnections();
          }),
      });
    });
    (server as Server).once("error", reject);
  });
}
