import type { KeyEntry } from "../keys/index.ts";
import type { OTLP_PROTOCOLS } from "./schema.ts";

export interface Config {
  natsUrl: string;
  natsAuth: NatsAuth;
  /** `url` carries CLICKHOUSE_USER and CLICKHOUSE_PASSWORD when they are set. */
  clickhouse: { url: string; database: string; cluster: string | undefined };
  /** False: the roles wait for what `playpulse migrate` creates instead of creating it. */
  provision: boolean;
  http: { host: string; port: number; headersTimeoutMs: number; requestTimeoutMs: number };
  keys: {
    write: ReadonlySet<string>;
    read: ReadonlySet<string>;
    publishable: ReadonlyMap<string, ReadonlySet<string>>;
    /** PLAYPULSE_KEYS: keys with a source and scopes, as hashes (docs/security.md#keys). */
    scoped: readonly KeyEntry[];
  };
  logLevel: string;
  stream: {
    name: string;
    subjectPrefix: string;
    maxBytes: number;
    maxAgeMs: number;
    replicas: number;
    duplicateWindowMs: number;
    /** PLAYPULSE_REGION, "" when the deployment has no regions. */
    region: string;
    /** PLAYPULSE_SOURCE_REGIONS: non-empty in the analytics region, whose stream sources theirs. */
    sourceRegions: readonly string[];
  };
  limits: { maxEventBytes: number; maxBodyBytes: number; maxBatchEvents: number };
  /** The edge's request handling beyond the size limits. */
  ingest: { bodyTimeoutMs: number; maxEventAgeMs: number };
  /** Token buckets (src/ratelimit); a perSecond of 0 means no limit of that kind. */
  rateLimits: {
    perKey: { burst: number; perSecond: number };
    perAddress: { burst: number; perSecond: number };
    authFailures: { burst: number; perSecond: number };
    /** PLAYPULSE_RATE_LIMIT_SOURCES: the per-key policy of keys of these sources instead of `perKey`. */
    perSource: ReadonlyMap<string, { burst: number; perSecond: number }>;
  };
  publish: {
    timeoutMs: number;
    retryAfterSeconds: number;
    lingerMs: number;
    pack: boolean;
    /** PLAYPULSE_PACK_ACROSS_REQUESTS (needs PLAYPULSE_PACK_EVENTS): held small requests share messages. */
    packAcrossRequests: boolean;
  };
  consumers: {
    /** Most events per consumer batch (PLAYPULSE_BATCH_SIZE); a packed message counts as its events. */
    batchSize: number;
    flushIntervalMs: number;
    /** Batches a consume loop writes at once (PLAYPULSE_WRITES_IN_FLIGHT). */
    writesInFlight: number;
    ackWaitMs: number;
    /** The durables' `max_ack_pending`: room for the batches in hand (writing and filling) and more. */
    maxAckPending: number;
    maxDeliver: number;
    faultDelayAfterWriteMs: number;
  };
  trending: { halfLifeHours: number };
  /** Erasure of users (docs/erasure.md): how long an erased user's events are not stored. */
  erasure: { suppressForMs: number };
  quarantine: { enabled: boolean; maxPayloadBytes: number; maxBytes: number; maxAgeMs: number };
  /** Jaeger UI base URL without a trailing slash; undefined: no trace links. */
  jaegerUiUrl: string | undefined;
  ccv: { windowSeconds: number };
  /** Alert webhooks (src/webhooks): no URLs, no delivery. */
  webhooks: { urls: readonly string[]; secret: string; maxAttempts: number; timeoutMs: number };
  /** PLAYPULSE_EXPERIMENTS, parsed as JSON; src/experiments checks each definition. */
  experiments: unknown[];
  /** PLAYPULSE_ALERT_RULES, parsed as JSON; src/alerts checks each rule. */
  alertRules: unknown[];
  evaluations: { intervalMs: number };
  otel: {
    disabled: boolean;
    serviceName: string;
    exporterName: "otlp" | "console" | "none";
    protocol: (typeof OTLP_PROTOCOLS)[number];
  };
  /** Pseudonymous user ids (docs/privacy.md#pseudonymous-ids): `pepper` is set when `userIdHash` is hmac. */
  privacy: { userIdHash: "none" | "hmac"; pepper: string | undefined };
  /** Days each table keeps its rows (0: forever) and the sweep's period (docs/privacy.md#retention). */
  retention: RetentionDays & { sweepMinutes: number };
  /** Span export and limits of the OpenTelemetry SDK (src/instrumentation.ts). */
  otelSdk: { scheduleDelayMs: number; maxQueueSize: number; maxExportBatchSize: number; linkCountLimit: number };
}

/** Retention per group of tables, in days; 0 keeps rows forever. */
export interface RetentionDays {
  events: number;
  recEvents: number;
  /** view_facts, ccv_times and ccv_views: derived from events, per view. */
  rollups: number;
  quarantine: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

/**
 * How the process authenticates to NATS (NATS_CREDS, NATS_NKEY, or NATS_USER and NATS_PASSWORD).
 * The same shape as `NatsAuth` in src/bus/connect.ts, which takes it (config imports no layer).
 */
export type NatsAuth =
  | { kind: "none" }
  | { kind: "creds"; file: string }
  | { kind: "nkey"; seedFile: string }
  | { kind: "password"; user: string; password: string };
