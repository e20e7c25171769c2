import { serveCommand } from "../cli/serve.ts";
import type { Listen } from "../main.ts";

/**
 * `playpulse serve <role...>` for a runtime whose adapter is `listen` (Bun.serve, Deno.serve):
 * the same command as on Node, through the same composition root, without the Node-only
 * OpenTelemetry SDK. Resolves with the exit code.
 */
export function serveEdge(runtime: string, args: readonly string[], listen: Listen): Promise<number> {
  return serveCommand(args, { listen, runtime, tracing: false });
}
