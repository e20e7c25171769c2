import { pino, type Logger } from "pino";

export type { Logger };

/** JSON logs. Secrets never reach a log line: the auth header and key fields are redacted. */
export function createLogger(level: string, bindings: Record<string, unknown> = {}): Logger {
  return pino({
    level,
    base: { service: "playpulse", ...bindings },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: ["authorization", "headers.authorization", "req.headers.authorization", "key", "keys", "*.key", "writeKeys", "readKeys"],
      censor: "[redacted]",
    },
  });
}
