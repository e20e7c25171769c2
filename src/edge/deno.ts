/**
 * Entry point on Deno 2: `deno run -A src/edge/deno.ts <role...>` runs the roles with
 * `Deno.serve` as the HTTP adapter; configuration comes from the environment as for
 * `playpulse serve` (Deno 2 provides `process` and resolves npm packages from node_modules).
 */
import { listenDeno } from "../http/deno-server.ts";
import { serveEdge } from "./serve.ts";

serveEdge("deno", process.argv.slice(2), (app, host, port) => listenDeno(app, host, port)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`playpulse (deno): ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
