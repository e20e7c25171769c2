/**
 * Entry point on Deno 2, with the least permissions it needs (`playpulse serve --runtime deno
 * <role...>` runs exactly this):
 *
 *   deno run --no-prompt --allow-net --allow-env --allow-read=<app dir> --allow-sys=hostname \
 *     src/http/deno-main.ts <role...>
 *
 * It runs the roles with `Deno.serve` as the HTTP adapter, traced like on Node; configuration
 * comes from the environment as for `playpulse serve` (Deno 2 provides `process` and resolves
 * npm packages from node_modules).
 */
import { serveCommand } from "../cli/serve.ts";
import { serveArgsOf } from "./runtimes.ts";
import { listenDeno } from "./deno-server.ts";

serveCommand(serveArgsOf(process.argv.slice(2)), { listen: () => listenDeno, runtime: "deno" }).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`playpulse (deno): ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
