import { serve, type ServerType } from "@hono/node-server";
import type { Server, ServerResponse } from "node:http";
import type { Hono } from "hono";

export interface HttpServer {
  port: number;
  /** Stops accepting connections and waits for in-flight requests to finish. */
  close(): Promise<void>;
}

/** The Node adapter: the only place an HTTP port is opened on Node. */
export function listenNode(app: Hono, host: string, port: number): Promise<HttpServer> {
  return new Promise((resolve, reject) => {
    let server: ServerType | undefined = undefined;
    server = serve({ fetch: app.fetch, hostname: host, port }, (info) => {
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
