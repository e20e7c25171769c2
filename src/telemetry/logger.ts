import { isSpanContextValid, trace } from "@opentelemetry/api";
import { pino, type DestinationStream, type Logger } from "pino";

export type { Logger };

/**
 * Fields never written to a log line. The auth header and keys are secrets; client IPs are
 * personal data. `*.x` covers one level of nesting (`{ req: { ip } }`).
 */
export const REDACTED_PATHS: readonly string[] = [
  "authorization",
  "headers.authorization",
  "headers.cookie",
  'headers["x-forwarded-for"]',
  'headers["x-real-ip"]',
  "req.headers.authorization",
  "req.headers.cookie",
  'req.headers["x-forwarded-for"]',
  'req.headers["x-real-ip"]',
  "key",
  "keys",
  "*.key",
  "*.keys",
  "writeKeys",
  "readKeys",
  "password",
  "*.password",
  "token",
  "*.token",
  "ip",
  "*.ip",
  "client_ip",
  "*.client_ip",
  "remoteAddress",
  "*.remoteAddress",
  "remote_addr",
  "*.remote_addr",
  "clickhouse.url",
];

/**
 * The trace and span id of the span active where the line is written, so a log line leads to
 * its trace in Jaeger. Costs one context lookup when tracing is off (no active span then).
 */
export function traceFields(): Record<string, string> {
  // Always a fresh object: pino's default mixin merge assigns the line's fields into it.
  const span = trace.getActiveSpan();
  if (span === undefined) return {};
  const sc = span.spanContext();
  if (!isSpanContextValid(sc)) return {};
  return { trace_id: sc.traceId, span_id: sc.spanId, trace_flags: `0${sc.traceFlags.toString(16)}`.slice(-2) };
}

export interface LoggerOptions {
  /** Where lines go; stdout unless told (tests pass a stream that collects lines). */
  destination?: DestinationStream;
}

/**
 * JSON logs (pino). Every line written inside an active span carries `trace_id` and
 * `span_id`; secrets and client IPs are redacted (see `REDACTED_PATHS`).
 *
 * @example
 * const logger = createLogger(config.logLevel, { roles: "ingest" });
 * logger.info({ port }, "playpulse started");
 */
export function createLogger(level: string, bindings: Record<string, unknown> = {}, opts: LoggerOptions = {}): Logger {
  const options = {
    level,
    base: { service: "playpulse", ...bindings },
    timestamp: pino.stdTimeFunctions.isoTime,
    mixin: traceFields,
    redact: { paths: [...REDACTED_PATHS], censor: "[redacted]" },
  };
  return opts.destination ? pino(options, opts.destination) : pino(options);
}
