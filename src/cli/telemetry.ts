import type { Config } from "../config.ts";
import { startTelemetry, type Telemetry } from "../instrumentation.ts";
import type { Logger } from "../telemetry/logger.ts";

/**
 * Starts OpenTelemetry for the roles of this process (a no-op when OTEL_SDK_DISABLED=true), on
 * whichever runtime runs it: `runtime` names it on the resource (`playpulse.runtime`).
 * Call before `startRoles`, and `shutdown()` after the roles stopped, so the last spans are exported.
 */
export function startTracing(config: Config, roles: readonly string[], logger: Logger, runtime = "node"): Telemetry {
  return startTelemetry({
    ...config.otel,
    ...config.otelSdk,
    attributes: { "playpulse.roles": roles.join(","), "playpulse.runtime": runtime },
    onDiagnostic: (level, message) => logger[level]({ component: "opentelemetry" }, message),
  });
}
