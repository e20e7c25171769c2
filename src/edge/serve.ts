import { ConfigError, loadConfig } from "../config.ts";
import { parseRoles } from "../cli/serve.ts";
import { createLogger } from "../telemetry/logger.ts";
import { startRoles } from "../main.ts";
import { EDGE_ROLES, startEdgeRoles, type Listen } from "./roles.ts";

/** Signals a runtime can deliver; Node, Bun and Deno all support `process.once` for these. */
const SIGNALS = ["SIGTERM", "SIGINT"] as const;

/**
 * `playpulse serve <role...>` for a runtime whose adapter is `listen`: configuration from the
 * environment, roles from the arguments, a graceful stop on SIGTERM/SIGINT. Resolves with
 * the exit code. Ingest and query get the runtime's own HTTP server; a process that also runs
 * consumers is started by `startRoles` unchanged (its health port then uses the runtime's
 * node:http compatibility).
 */
export async function serveEdge(runtime: string, args: readonly string[], listen: Listen): Promise<number> {
  const roles = parseRoles(args);
  let config;
  try {
    config = loadConfig(undefined, roles);
  } catch (err: unknown) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const logger = createLogger(config.logLevel, { roles: roles.join(","), runtime });
  const edgeOnly = roles.every((r) => EDGE_ROLES.includes(r));
  const running = edgeOnly ? await startEdgeRoles(config, roles, logger, listen) : await startRoles(config, roles, logger);
  const signal = await new Promise<string>((resolve) => {
    for (const s of SIGNALS) process.once(s, () => resolve(s));
  });
  logger.info({ signal }, "stopping");
  const report = await running.stop();
  return report.clean ? 0 : 1;
}
