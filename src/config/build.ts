import { withCredentials } from "./credentials.ts";
import type { ConfiguredKeys } from "./keys.ts";
import type { ParsedEnv } from "./schema.ts";
import type { Config, NatsAuth } from "./types.ts";

/** What loadConfig checked beside the schema: the keys, the experiments, the alert rules and the NATS credentials. */
export interface CheckedExtras extends ConfiguredKeys {
  experiments: unknown[];
  alertRules: unknown[];
  natsAuth: NatsAuth;
}

/** Whether regions are configured: this process is a region's edge, or the analytics region sourcing them. */
export const hasRegions = (e: Pick<ParsedEnv, "PLAYPULSE_REGION" | "PLAYPULSE_SOURCE_REGIONS">) =>
  e.PLAYPULSE_REGION !== "" || e.PLAYPULSE_SOURCE_REGIONS.length > 0;

/**
 * PLAYPULSE_PACK_EVENTS as set, or else on unless regions are configured (an erasure cannot
 * rewrite a pack sourced from a region's stream; loadConfig refuses packs set with regions).
 */
export function packsOf(e: Pick<ParsedEnv, "PLAYPULSE_PACK_EVENTS" | "PLAYPULSE_REGION" | "PLAYPULSE_SOURCE_REGIONS">) {
  return e.PLAYPULSE_PACK_EVENTS ?? !hasRegions(e);
}

/** What the ingest publisher waits for and how long it may hold a small call (src/bus/publisher.ts). */
function publishOf(e: ParsedEnv): Config["publish"] {
  const pack = packsOf(e);
  const { PLAYPULSE_PUBLISH_TIMEOUT_MS: timeoutMs, PLAYPULSE_PUBLISH_LINGER_MS: lingerMs } = e;
  return {
    timeoutMs,
    retryAfterSeconds: e.PLAYPULSE_RETRY_AFTER_SECONDS,
    lingerMs,
    pack,
    packAcrossRequests: pack && e.PLAYPULSE_PACK_ACROSS_REQUESTS,
  };
}

/** The parsed variables as the Config the layers read: units converted, derived limits computed. */
export function toConfig(e: ParsedEnv, x: CheckedExtras): Config {
  const { scoped, publishable, experiments, alertRules, natsAuth } = x;
  return {
    natsUrl: e.NATS_URL,
    natsAuth,
    clickhouse: {
      url: withCredentials(e.CLICKHOUSE_URL, e.CLICKHOUSE_USER, e.CLICKHOUSE_PASSWORD),
      database: e.CLICKHOUSE_DATABASE,
      cluster: e.PLAYPULSE_CLICKHOUSE_CLUSTER,
    },
    provision: e.PLAYPULSE_PROVISION,
    http: {
      host: e.PLAYPULSE_HTTP_HOST,
      port: e.PLAYPULSE_HTTP_PORT,
      headersTimeoutMs: e.PLAYPULSE_HEADERS_TIMEOUT_MS,
      requestTimeoutMs: Math.max(e.PLAYPULSE_REQUEST_TIMEOUT_MS, e.PLAYPULSE_HEADERS_TIMEOUT_MS),
    },
    keys: { write: new Set(e.PLAYPULSE_WRITE_KEYS), read: new Set(e.PLAYPULSE_READ_KEYS), publishable, scoped },
    logLevel: e.PLAYPULSE_LOG_LEVEL,
    stream: {
      name: e.PLAYPULSE_STREAM,
      subjectPrefix: e.PLAYPULSE_SUBJECT_PREFIX,
      maxBytes: e.PLAYPULSE_STREAM_MAX_BYTES,
      maxAgeMs: e.PLAYPULSE_STREAM_MAX_AGE_HOURS * 3600_000,
      replicas: e.PLAYPULSE_STREAM_REPLICAS,
      duplicateWindowMs: e.PLAYPULSE_DUPLICATE_WINDOW_SECONDS * 1000,
      region: e.PLAYPULSE_REGION,
      sourceRegions: [...new Set(e.PLAYPULSE_SOURCE_REGIONS)],
    },
    limits: {
      maxEventBytes: e.PLAYPULSE_MAX_EVENT_BYTES,
      maxBodyBytes: e.PLAYPULSE_MAX_BODY_BYTES,
      maxBatchEvents: e.PLAYPULSE_MAX_BATCH_EVENTS,
    },
    ingest: { bodyTimeoutMs: e.PLAYPULSE_BODY_TIMEOUT_MS, maxEventAgeMs: e.PLAYPULSE_MAX_EVENT_AGE_DAYS * 86_400_000 },
    rateLimits: {
      perKey: { burst: e.PLAYPULSE_RATE_LIMIT_KEY_BURST, perSecond: e.PLAYPULSE_RATE_LIMIT_KEY_PER_SECOND },
      perAddress: { burst: e.PLAYPULSE_RATE_LIMIT_ADDRESS_BURST, perSecond: e.PLAYPULSE_RATE_LIMIT_ADDRESS_PER_SECOND },
      authFailures: {
        burst: e.PLAYPULSE_RATE_LIMIT_AUTH_FAILURES_BURST,
        perSecond: e.PLAYPULSE_RATE_LIMIT_AUTH_FAILURES_PER_MINUTE / 60,
      },
      perSource: perSourceOf(e.PLAYPULSE_RATE_LIMIT_SOURCES),
    },
    publish: publishOf(e),
    consumers: {
      batchSize: e.PLAYPULSE_BATCH_SIZE,
      flushIntervalMs: e.PLAYPULSE_FLUSH_INTERVAL_MS,
      writesInFlight: e.PLAYPULSE_WRITES_IN_FLIGHT,
      ackWaitMs: e.PLAYPULSE_ACK_WAIT_SECONDS * 1000,
      // The batches being written, the one filling, and one more (4 × batch with the defaults).
      maxAckPending: Math.max(1000, e.PLAYPULSE_BATCH_SIZE * Math.max(4, e.PLAYPULSE_WRITES_IN_FLIGHT + 2)),
      maxDeliver: e.PLAYPULSE_MAX_DELIVER,
      faultDelayAfterWriteMs: e.PLAYPULSE_FAULT_DELAY_AFTER_WRITE_MS,
    },
    trending: { halfLifeHours: e.PLAYPULSE_TRENDING_HALF_LIFE_HOURS },
    erasure: { suppressForMs: e.PLAYPULSE_ERASURE_SUPPRESS_DAYS * 86_400_000 },
    quarantine: {
      enabled: e.PLAYPULSE_QUARANTINE,
      maxPayloadBytes: e.PLAYPULSE_QUARANTINE_MAX_PAYLOAD_BYTES,
      maxBytes: e.PLAYPULSE_QUARANTINE_MAX_BYTES ?? Math.max(1024 * 1024, Math.floor(e.PLAYPULSE_STREAM_MAX_BYTES / 8)),
      maxAgeMs: e.PLAYPULSE_QUARANTINE_MAX_AGE_HOURS * 3600_000,
    },
    jaegerUiUrl: e.PLAYPULSE_JAEGER_UI_URL?.replace(/\/+$/, ""),
    ccv: { windowSeconds: e.PLAYPULSE_CCV_WINDOW_SECONDS },
    experiments,
    webhooks: webhooksOf(e),
    alertRules,
    evaluations: { intervalMs: e.PLAYPULSE_EVALUATION_INTERVAL_MS },
    otel: {
      disabled: e.OTEL_SDK_DISABLED,
      serviceName: e.OTEL_SERVICE_NAME,
      exporterName: e.OTEL_TRACES_EXPORTER,
      protocol: e.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? e.OTEL_EXPORTER_OTLP_PROTOCOL,
    },
    ...privacyOf(e),
    otelSdk: otelSdkOf(e),
  };
}

function otelSdkOf(e: ParsedEnv): Config["otelSdk"] {
  return {
    scheduleDelayMs: e.OTEL_BSP_SCHEDULE_DELAY,
    maxQueueSize: e.OTEL_BSP_MAX_QUEUE_SIZE,
    maxExportBatchSize: Math.min(e.OTEL_BSP_MAX_EXPORT_BATCH_SIZE, e.OTEL_BSP_MAX_QUEUE_SIZE),
    linkCountLimit: e.OTEL_SPAN_LINK_COUNT_LIMIT,
  };
}

function webhooksOf(e: ParsedEnv): Config["webhooks"] {
  return {
    urls: [...new Set(e.PLAYPULSE_WEBHOOK_URLS)],
    secret: e.PLAYPULSE_WEBHOOK_SECRET ?? "",
    maxAttempts: e.PLAYPULSE_WEBHOOK_MAX_ATTEMPTS,
    timeoutMs: e.PLAYPULSE_WEBHOOK_TIMEOUT_MS,
  };
}

/** `web=100:200` entries as policies by source (the schema checked their shape). */
function perSourceOf(entries: readonly string[]): Config["rateLimits"]["perSource"] {
  return new Map(
    entries.map((entry) => {
      const [source = "", rest = ""] = entry.split("=");
      const [perSecond = "0", burst = "1"] = rest.split(":");
      return [source, { perSecond: Number(perSecond), burst: Math.max(1, Number(burst)) }];
    }),
  );
}

/** Pseudonymous ids and retention (docs/privacy.md). */
function privacyOf(e: ParsedEnv): Pick<Config, "privacy" | "retention"> {
  return {
    privacy: {
      userIdHash: e.PLAYPULSE_USER_ID_HASH,
      pepper: e.PLAYPULSE_USER_ID_HASH === "hmac" ? e.PLAYPULSE_USER_ID_PEPPER : undefined,
    },
    retention: {
      events: e.PLAYPULSE_RETENTION_EVENTS_DAYS,
      recEvents: e.PLAYPULSE_RETENTION_REC_EVENTS_DAYS,
      rollups: e.PLAYPULSE_RETENTION_ROLLUPS_DAYS,
      quarantine: e.PLAYPULSE_RETENTION_QUARANTINE_DAYS,
      sweepMinutes: e.PLAYPULSE_RETENTION_SWEEP_MINUTES,
    },
  };
}
