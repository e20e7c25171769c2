/**
 * A role that cannot open its HTTP port fails fast: it stops what it started (consume loops,
 * NATS, ClickHouse) and exits non-zero with a message that names the port, instead of consuming
 * on without health, readiness or metrics endpoints.
 */
import { createServer, type Server } from "node:net";
import { describe, expect, inject, it } from "vitest";
import { freePort, namespaceEnv, uniqueNamespace } from "../helpers/index.ts";
import { spawnRole } from "../helpers/roles.ts";

const listen = (port: number) =>
  new Promise<Server>((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve(server));
  });

describe("a role whose HTTP port is taken", () => {
  it("`serve analytics` stops what it started and exits 1, naming the port", async () => {
    const port = await freePort();
    const taken = await listen(port);
    try {
      const ns = uniqueNamespace();
      const env = namespaceEnv(
        ns,
        { natsUrl: inject("natsUrl"), clickhouseUrl: inject("clickhouseUrl") },
        { PLAYPULSE_HTTP_PORT: String(port), OTEL_SDK_DISABLED: "true" },
      );
      const failure = await spawnRole(["analytics"], { env, startTimeoutMs: 60_000 }).then(
        () => new Error("the role started on a port that was taken"),
        (err: unknown) => err,
      );
      const text = failure instanceof Error ? failure.message : String(failure);
      // The process exited by itself (nothing it started kept it alive), with code 1, and said why.
      expect(text).toContain("analytics exited (code 1) before logging");
      expect(text).toContain(
        `playpulse serve: cannot listen on 127.0.0.1:${port}: listen EADDRINUSE: address already in use 127.0.0.1:${port}`,
      );
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });
});
