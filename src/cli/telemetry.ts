import type { Config } from "../config.ts";
import type { Telemetry } from "../instrumentation.ts";
import type { Logger } from "../telemetry/logger.ts";

const OFF: Telemetry = { enabled: false, flush: () => Promise.resolve(), shutdown: () => Promise.resolve() };

/**
 * Starts OpenTelemetry for the roles of this process (a no-op when OTEL_SDK_DISABLED=true), on
 * whichever runtime runs it: `runtime` names it on the resource (`playpulse.runtime`).
 * Call before `startRoles`, and `shutdown()` after the roles stopped, so the last spans are exported.
 *
 * The SDK is imported only when tracing is on: `@opentelemetry/sdk-node` and its exporters (gRPC,
 * protobuf) take seconds to load, which every process with tracing off (tests, `up`, the fault
 * rig's restarts) would otherwise pay at each start. No auto-instrumentation is used, so the SDK
 * only has to be registered before the roles start, not before the app's modules load.
 *
 * @example
 * const telemetry = await startTracing(config, ["ingest"], logger);
 * const running = await startRoles(config, ["ingest"], logger);
 * // after running.stop():
 * await telemetry.shutdown();
 */
export async function startTracing(
  config: Config,
  roles: readonly string[],
  logger: Logger,
  runtime = "node",
): Promise<Telemetry> {
  if (config.otel.disabled) return OFF;
  const { startTelemetry } = await import("../instrumentation.ts");
  return startTelemetry({
    ...config.otel,
    ...config.otelSdk,
    attributes: { "playpulse.roles": roles.join(","), "playpulse.runtime": runtime },
    onDiagnostic: (level, message) => logger[level]({ component: "opentelemetry" }, message),
  });
}
