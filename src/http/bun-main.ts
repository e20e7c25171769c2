/**
 * Entry point on Bun: `bun src/http/bun-main.ts <role...>` (or `playpulse serve --runtime bun
 * <role...>`) runs the roles with `Bun.serve` as the HTTP adapter, traced like on Node;
 * configuration comes from the environment as for `playpulse serve`.
 */
import { serveCommand } from "../cli/serve.ts";
import { serveArgsOf } from "./runtimes.ts";
import { listenBun } from "./bun-server.ts";

serveCommand(serveArgsOf(process.argv.slice(2)), {
  listen: () => (app, host, port) => listenBun(app, host, port),
  runtime: "bun",
}).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`playpulse (bun): ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
