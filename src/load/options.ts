/** What `playpulse load` runs with; the CLI parses it from arguments (src/cli/load-args.ts). */
export type LoadMode = { kind: "rate"; eventsPerSecond: number } | { kind: "concurrency"; workers: number };

export interface LoadOptions {
  url: string;
  key: string;
  readKey: string | undefined;
  clickhouse: { url: string; database: string } | undefined;
  mode: LoadMode;
  batch: number;
  format: "json" | "ndjson";
  durationMs: number | undefined;
  events: number | undefined;
  connections: number;
  titles: number;
  zipf: number;
  viewers: number;
  heartbeatMs: number;
  seed: number;
  runId: string;
  timeoutMs: number;
  retries: number;
  catalog: boolean;
  freshnessEveryMs: number;
  verify: boolean;
  verifyTimeoutMs: number;
  json: boolean;
  progress: "auto" | "off";
  /** Print "measuring" and "measured" lines on stderr around the measured window (for harnesses). */
  announce: boolean;
}
