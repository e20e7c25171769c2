import { ConfigError, loadConfig } from "../config.ts";
import { parseRoles } from "../cli/serve.ts";
import { createLogger } from "../telemetry/logger.ts";
import { startRoles, type Listen } from "../main.ts";

/** Signals a runtime can deliver; Node, Bun and Deno all support `process.once` for these. */
const SIGNALS = ["SIGTERM", "SIGINT"] as const;

/**
 * `playpulse serve <role...>` for a runtime whose adapter is `listen`: configuration from the
 * environment, roles from the arguments, a graceful stop on SIGTERM/SIGINT. Resolves with
 * the exit code. Every role is started by `startRoles`, the same composition root as on Node,
 * with the runtime's own HTTP server (Bun.serve, Deno.serve).
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
  const running = await startRoles(config, roles, logger, listen);
  const signal = await new Promise<string>((resolve) => {
    for (const s of SIGNALS) process.once(s, () => resolve(s));
  });
  logger.info({ signal }, "stopping");
  const report = await running.stop();
  return report.clean ? 0 : 1;
}
