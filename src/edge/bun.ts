/**
 * Entry point on Bun: `bun src/edge/bun.ts <role...>` runs the roles with `Bun.serve` as the
 * HTTP adapter; configuration comes from the environment as for `playpulse serve`.
 */
import { listenBun } from "../http/bun-server.ts";
import { serveEdge } from "./serve.ts";

serveEdge("bun", process.argv.slice(2), (app, host, port) => listenBun(app, host, port)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`playpulse (bun): ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
