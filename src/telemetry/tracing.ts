import { trace, type Tracer } from "@opentelemetry/api";

export const TRACER_NAME = "playpulse";

/**
 * The tracer the app's code is given, or undefined when tracing is off (`OTEL_SDK_DISABLED`),
 * in which case every instrumented call site skips span work entirely. Spans go to whatever
 * provider `startTelemetry` (src/instrumentation.ts) registered; this module needs only the
 * web-safe `@opentelemetry/api`.
 *
 * @example
 * const tracer = tracerFor(!config.otel.disabled);
 * createPublisher(bus, { timeoutMs: 5000, tracer });
 */
export function tracerFor(enabled: boolean, version?: string): Tracer | undefined {
  return enabled ? trace.getTracer(TRACER_NAME, version) : undefined;
}
