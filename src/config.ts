import { z } from "zod";

/** The roles a process can run. */
export const ROLES = ["ingest", "query", "analytics", "recommendations", "content"] as const;
export type Role = (typeof ROLES)[number];
export const CONSUMER_ROLES = ["analytics", "recommendations", "content"] as const satisfies readonly Role[];
export type ConsumerRole = (typeof CONSUMER_ROLES)[number];

const list = z
  .string()
  .optional()
  .transform((s) => (s ?? "").split(",").map((k) => k.trim()).filter((k) => k.length > 0));
const int = (def: number, min: number, max: number) => z.coerce.number().int().min(min).max(max).default(def);
const bool = (def: boolean) =>
  z
    .enum(["true", "false", "1", "0", ""])
    .optional()
    .transform((v) => (v === undefined || v === "" ? def : v === "true" || v === "1"));
const name = /^[A-Za-z0-9_-]+$/;

const schema = z.object({
  NATS_URL: z.string().default("nats://127.0.0.1:4222"),
  CLICKHOUSE_URL: z.url().default("http://127.0.0.1:8123"),
  CLICKHOUSE_DATABASE: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/).default("playpulse"),
  PLAYPULSE_HTTP_HOST: z.string().default("0.0.0.0"),
  PLAYPULSE_HTTP_PORT: int(8080, 0, 65535),
  PLAYPULSE_WRITE_KEYS: list,
  PLAYPULSE_READ_KEYS: list,
  PLAYPULSE_LOG_LEVEL: z.enum(["trace", "debug", "info", "warn", "error", "fatal", "silent"]).default("info"),
  PLAYPULSE_STREAM: z.string().regex(name).default("PLAYPULSE"),
  PLAYPULSE_SUBJECT_PREFIX: z.string().regex(/^([a-z0-9_-]+)?$/).default(""),
  PLAYPULSE_STREAM_MAX_BYTES: int(8 * 1024 ** 3, 1024, Number.MAX_SAFE_INTEGER),
  PLAYPULSE_STREAM_MAX_AGE_HOURS: int(7 * 24, 1, 24 * 365),
  PLAYPULSE_STREAM_REPLICAS: int(1, 1, 5),
  PLAYPULSE_DUPLICATE_WINDOW_SECONDS: int(600, 1, 24 * 3600),
  PLAYPULSE_MAX_EVENT_BYTES: int(32 * 1024, 256, 1024 * 1024),
  PLAYPULSE_MAX_BODY_BYTES: int(1024 * 1024, 1024, 16 * 1024 * 1024),
  PLAYPULSE_MAX_BATCH_EVENTS: int(1000, 1, 10_000),
  PLAYPULSE_PUBLISH_TIMEOUT_MS: int(5000, 100, 60_000),
  PLAYPULSE_RETRY_AFTER_SECONDS: int(2, 1, 300),
  PLAYPULSE_BATCH_SIZE: int(5000, 1, 100_000),
  PLAYPULSE_FLUSH_INTERVAL_MS: int(1000, 10, 60_000),
  PLAYPULSE_ACK_WAIT_SECONDS: int(60, 1, 3600),
  PLAYPULSE_MAX_DELIVER: int(20, 2, 10_000),
  PLAYPULSE_TRENDING_HALF_LIFE_HOURS: z.coerce.number().positive().max(24 * 365).default(12),
  PLAYPULSE_JAEGER_UI_URL: z.string().default("http://localhost:16686"),
  OTEL_SDK_DISABLED: bool(false),
  OTEL_SERVICE_NAME: z.string().default("playpulse"),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.string().default("http://localhost:4318"),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: z.string().optional(),
  OTEL_TRACES_SAMPLER: z.string().default("parentbased_always_on"),
  OTEL_TRACES_SAMPLER_ARG: z.string().optional(),
});

export interface Config {
  natsUrl: string;
  clickhouse: { url: string; database: string };
  http: { host: string; port: number };
  keys: { write: ReadonlySet<string>; read: ReadonlySet<string> };
  logLevel: string;
  stream: {
    name: string;
    subjectPrefix: string;
    maxBytes: number;
    maxAgeMs: number;
    replicas: number;
    duplicateWindowMs: number;
  };
  limits: { maxEventBytes: number; maxBodyBytes: number; maxBatchEvents: number };
  publish: { timeoutMs: number; retryAfterSeconds: number };
  consumers: { batchSize: number; flushIntervalMs: number; ackWaitMs: number; maxDeliver: number };
  trending: { halfLifeHours: number };
  jaegerUiUrl: string;
  otel: {
    disabled: boolean;
    serviceName: string;
    tracesEndpoint: string;
    sampler: string;
    samplerArg: string | undefined;
  };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

/**
 * The one reader of the environment. Every problem is reported at once.
 *
 * @example
 * const config = loadConfig({ PLAYPULSE_WRITE_KEYS: "wk_1", PLAYPULSE_READ_KEYS: "rk_1" });
 */
export function loadConfig(env: Record<string, string | undefined> = process.env, roles: readonly Role[] = []): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`));
  }
  const e = parsed.data;
  const problems: string[] = [];
  if (roles.includes("ingest") && e.PLAYPULSE_WRITE_KEYS.length === 0) {
    problems.push("PLAYPULSE_WRITE_KEYS: the ingest role needs at least one write key (comma-separated)");
  }
  if (roles.includes("query") && e.PLAYPULSE_READ_KEYS.length === 0) {
    problems.push("PLAYPULSE_READ_KEYS: the query role needs at least one read key (comma-separated)");
  }
  const both = e.PLAYPULSE_WRITE_KEYS.filter((k) => e.PLAYPULSE_READ_KEYS.includes(k));
  if (both.length > 0) problems.push("PLAYPULSE_WRITE_KEYS and PLAYPULSE_READ_KEYS must not share keys");
  if (problems.length > 0) throw new ConfigError(problems);

  const base = e.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, "");
  return {
    natsUrl: e.NATS_URL,
    clickhouse: { url: e.CLICKHOUSE_URL, database: e.CLICKHOUSE_DATABASE },
    http: { host: e.PLAYPULSE_HTTP_HOST, port: e.PLAYPULSE_HTTP_PORT },
    keys: { write: new Set(e.PLAYPULSE_WRITE_KEYS), read: new Set(e.PLAYPULSE_READ_KEYS) },
    logLevel: e.PLAYPULSE_LOG_LEVEL,
    stream: {
      name: e.PLAYPULSE_STREAM,
      subjectPrefix: e.PLAYPULSE_SUBJECT_PREFIX,
      maxBytes: e.PLAYPULSE_STREAM_MAX_BYTES,
      maxAgeMs: e.PLAYPULSE_STREAM_MAX_AGE_HOURS * 3600_000,
      replicas: e.PLAYPULSE_STREAM_REPLICAS,
      duplicateWindowMs: e.PLAYPULSE_DUPLICATE_WINDOW_SECONDS * 1000,
    },
    limits: {
      maxEventBytes: e.PLAYPULSE_MAX_EVENT_BYTES,
      maxBodyBytes: e.PLAYPULSE_MAX_BODY_BYTES,
      maxBatchEvents: e.PLAYPULSE_MAX_BATCH_EVENTS,
    },
    publish: { timeoutMs: e.PLAYPULSE_PUBLISH_TIMEOUT_MS, retryAfterSeconds: e.PLAYPULSE_RETRY_AFTER_SECONDS },
    consumers: {
      batchSize: e.PLAYPULSE_BATCH_SIZE,
      flushIntervalMs: e.PLAYPULSE_FLUSH_INTERVAL_MS,
      ackWaitMs: e.PLAYPULSE_ACK_WAIT_SECONDS * 1000,
      maxDeliver: e.PLAYPULSE_MAX_DELIVER,
    },
    trending: { halfLifeHours: e.PLAYPULSE_TRENDING_HALF_LIFE_HOURS },
    jaegerUiUrl: e.PLAYPULSE_JAEGER_UI_URL.replace(/\/+$/, ""),
    otel: {
      disabled: e.OTEL_SDK_DISABLED,
      serviceName: e.OTEL_SERVICE_NAME,
      tracesEndpoint: e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? `${base}/v1/traces`,
      sampler: e.OTEL_TRACES_SAMPLER,
      samplerArg: e.OTEL_TRACES_SAMPLER_ARG,
    },
  };
}

/** The executable search path, for finding nats-server and clickhouse-server (`playpulse up`, tests). */
export function systemPath(env: Record<string, string | undefined> = process.env): string {
  return env.PATH ?? "";
}
