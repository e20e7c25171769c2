import { ConfigError, loadConfig, type Config } from "../config.ts";
import { CONSUMERS } from "../consumers/registry.ts";
import { ListenError, startRoles, type Listen } from "../main.ts";
import { ROLES, type Role } from "../roles/index.ts";
import { createLogger } from "../telemetry/logger.ts";
import { serveOnRuntime, takeRuntimeFlag } from "./serve-runtime.ts";
import { startTracing } from "./telemetry.ts";

export const SERVE_HELP = `usage: playpulse serve [--runtime node|bun|deno] <role...>

Runs one or more roles in this process. Roles:
  ingest            POST /v1/events -> JetStream (needs NATS)
  query             the read API over ClickHouse (needs ClickHouse)
${CONSUMERS.map((c) => `  ${c.name.padEnd(18)}consumer of ${c.subject.padEnd(13)}-> ${c.table} table`).join("\n")}
Every role serves /healthz, /readyz and /metrics on PLAYPULSE_HTTP_PORT (default 8080).
Streams, consumers and tables are created or updated at start (same as "playpulse migrate").
SIGTERM or SIGINT stops gracefully: stop accepting, finish publishes, flush batches, ack, close.
The exit code is 1 when a final flush failed (the broker will redeliver those messages), and
when the HTTP port cannot be opened (what was started is stopped first).

--runtime bun|deno runs the roles on Bun (Bun.serve) or Deno (Deno.serve, with --allow-net,
--allow-env, --allow-read of the app's directory and --allow-sys=hostname only), found under
node_modules or on PATH; node (the default) runs them in this process. Traces, logs, metrics and
behaviour are the same on all three.

examples:
  PLAYPULSE_WRITE_KEYS=wk_dev PLAYPULSE_READ_KEYS=rk_dev playpulse serve ingest query analytics
  PLAYPULSE_WRITE_KEYS=wk_dev PLAYPULSE_READ_KEYS=rk_dev playpulse serve --runtime bun ingest query`;

export function parseRoles(args: readonly string[]): Role[] {
  const roles = args.flatMap((a) => a.split(",")).filter((a) => a.length > 0);
  const unknown = roles.filter((r) => !(ROLES as readonly string[]).includes(r));
  if (roles.length === 0) throw new Error(`name at least one role: ${ROLES.join(", ")}`);
  if (unknown.length > 0) throw new Error(`unknown role(s): ${unknown.join(", ")}; roles are ${ROLES.join(", ")}`);
  return [...new Set(roles)] as Role[];
}

export interface ServeOptions {
  env?: Record<string, string | undefined>;
  /** The HTTP adapter for the configuration: Node's by default; Bun.serve or Deno.serve from their entry points (src/http/). */
  listen?: (config: Config) => Listen;
  /** Names the runtime in log lines and on the trace resource (bun, deno). */
  runtime?: string;
}

/** Runs until SIGTERM/SIGINT; resolves with the exit code. */
export async function serveCommand(args: readonly string[], opts: ServeOptions = {}): Promise<number> {
  const flag = takeRuntimeFlag(args);
  const roles = parseRoles(flag.rest);
  const here = opts.runtime ?? "node";
  if (flag.runtime !== undefined && flag.runtime !== here) return serveOnRuntime(flag.runtime, roles);
  let config;
  try {
    config = loadConfig(opts.env, roles);
  } catch (err: unknown) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const logger = createLogger(config.logLevel, {
    roles: roles.join(","),
    ...(opts.runtime ? { runtime: opts.runtime } : {}),
  });
  const telemetry = await startTracing(config, roles, logger, here);
  let running;
  try {
    running = await startRoles(config, roles, logger, opts.listen?.(config));
  } catch (err: unknown) {
    await telemetry.shutdown();
    if (!(err instanceof ListenError)) throw err;
    logger.error({ err }, "cannot open the HTTP port; stopped");
    process.stderr.write(
      `playpulse serve: ${err.message}
(another process holds the port? set PLAYPULSE_HTTP_PORT to a free one)
`,
    );
    return 1;
  }
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once("SIGTERM", () => resolve("SIGTERM"));
    process.once("SIGINT", () => resolve("SIGINT"));
  });
  logger.info({ signal }, "stopping");
  const report = await running.stop();
  await telemetry.shutdown();
  return report.clean ? 0 : 1;
}
