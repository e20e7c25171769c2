import { z } from "zod";

/*
 * The schema table of src/config.ts: every variable, its default and its range. Only
 * src/config.ts reads the environment; it hands the variables to `schema.safeParse`.
 */

export const list = z
  .string()
  .optional()
  .transform((s) =>
    (s ?? "")
      .split(",")
      .map((k) => k.trim())
      .filter((k) => k.length > 0),
  );
/** An empty value means "use the default", as for `bool` (z.coerce would read "" as 0). */
const unsetIfEmpty = (v: unknown) => (v === "" ? undefined : v);
const int = (def: number, min: number, max: number) =>
  z.preprocess(unsetIfEmpty, z.coerce.number().int().min(min).max(max).default(def));
const bool = (def: boolean) =>
  z
    .enum(["true", "false", "1", "0", ""])
    .optional()
    .transform((v) => (v === undefined || v === "" ? def : v === "true" || v === "1"));
/** A boolean whose default depends on other settings: undefined when unset or empty. */
const boolUnlessSet = () =>
  z
    .enum(["true", "false", "1", "0", ""])
    .optional()
    .transform((v) => (v === undefined || v === "" ? undefined : v === "true" || v === "1"));
const name = /^[A-Za-z0-9_-]+$/;
/** A region name: also its JetStream domain and (upper-cased) its regional stream's suffix. */
const REGION = /^(?!dlq$|quarantine$)([a-z][a-z0-9-]{0,31})?$/;
const REGION_RULE = "a region is lower-case letters, digits and '-', starting with a letter (not dlq or quarantine)";
export const OTLP_PROTOCOLS = ["http/protobuf", "http/json", "grpc"] as const;

export const schema = z.object({
  NATS_URL: z.string().default("nats://127.0.0.1:4222"),
  /** NATS credentials, at most one kind: a creds file (JWT + nkey), an nkey seed file, or user and password. */
  NATS_CREDS: z.preprocess(unsetIfEmpty, z.string().optional()),
  NATS_NKEY: z.preprocess(unsetIfEmpty, z.string().optional()),
  NATS_USER: z.preprocess(unsetIfEmpty, z.string().optional()),
  NATS_PASSWORD: z.preprocess(unsetIfEmpty, z.string().optional()),
  CLICKHOUSE_URL: z.url().default("http://127.0.0.1:8123"),
  CLICKHOUSE_DATABASE: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/)
    .default("playpulse"),
  /** ClickHouse user and password; they replace any given in CLICKHOUSE_URL. */
  CLICKHOUSE_USER: z.preprocess(unsetIfEmpty, z.string().optional()),
  CLICKHOUSE_PASSWORD: z.preprocess(unsetIfEmpty, z.string().optional()),
  /** A ClickHouse cluster name (remote_servers): migrations run ON CLUSTER with Replicated* engines. */
  PLAYPULSE_CLICKHOUSE_CLUSTER: z.preprocess(
    unsetIfEmpty,
    z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_-]*$/)
      .optional(),
  ),
  /** Create streams, durables and tables at start (false: only `playpulse migrate` does; roles wait for them). */
  PLAYPULSE_PROVISION: bool(true),
  PLAYPULSE_HTTP_HOST: z.string().default("0.0.0.0"),
  PLAYPULSE_HTTP_PORT: int(8080, 0, 65535),
  PLAYPULSE_WRITE_KEYS: list,
  PLAYPULSE_READ_KEYS: list,
  /** `pk_1=https://a.example|https://b.example,pk_2=...`: publishable keys and the origins each is valid from. */
  PLAYPULSE_PUBLISHABLE_KEYS: z.string().optional(),
  /** Scoped keys as SHA-256 hash lines (`playpulse keys create`), one per line or `;`-separated. */
  PLAYPULSE_KEYS: z.string().optional(),
  PLAYPULSE_LOG_LEVEL: z.enum(["trace", "debug", "info", "warn", "error", "fatal", "silent"]).default("info"),
  PLAYPULSE_STREAM: z.string().regex(name).default("PLAYPULSE"),
  PLAYPULSE_SUBJECT_PREFIX: z
    .string()
    .regex(/^([a-z0-9_-]+)?$/)
    .default(""),
  PLAYPULSE_STREAM_MAX_BYTES: int(8 * 1024 ** 3, 1024, Number.MAX_SAFE_INTEGER),
  PLAYPULSE_STREAM_MAX_AGE_HOURS: int(7 * 24, 1, 24 * 365),
  PLAYPULSE_STREAM_REPLICAS: int(1, 1, 5),
  PLAYPULSE_DUPLICATE_WINDOW_SECONDS: int(600, 1, 24 * 3600),
  /** This deployment's region (docs/regions.md): stamped on every event by the edge; the regional stream's suffix. */
  PLAYPULSE_REGION: z.string().regex(REGION, REGION_RULE).default(""),
  /** Set in the analytics region only: the regions whose streams the aggregate stream sources. */
  PLAYPULSE_SOURCE_REGIONS: list.pipe(z.array(z.string().regex(REGION, REGION_RULE))),
  PLAYPULSE_MAX_EVENT_BYTES: int(32 * 1024, 256, 1024 * 1024),
  PLAYPULSE_MAX_BODY_BYTES: int(1024 * 1024, 1024, 16 * 1024 * 1024),
  PLAYPULSE_MAX_BATCH_EVENTS: int(1000, 1, 10_000),
  /** How long a request body may take to arrive before the edge answers 408. */
  PLAYPULSE_BODY_TIMEOUT_MS: int(10_000, 100, 600_000),
  /** Node's headersTimeout: the request line and headers must arrive within this (slow-header clients). */
  PLAYPULSE_HEADERS_TIMEOUT_MS: int(10_000, 1000, 120_000),
  /** Node's requestTimeout: a whole request (headers and body) must arrive within this. */
  PLAYPULSE_REQUEST_TIMEOUT_MS: int(30_000, 1000, 600_000),
  /** Token buckets of the edge and query API (docs/security.md#rate-limits); 0 per second turns one off. */
  PLAYPULSE_RATE_LIMIT_KEY_PER_SECOND: int(2000, 0, 1_000_000),
  PLAYPULSE_RATE_LIMIT_KEY_BURST: int(4000, 1, 10_000_000),
  PLAYPULSE_RATE_LIMIT_ADDRESS_PER_SECOND: int(2000, 0, 1_000_000),
  PLAYPULSE_RATE_LIMIT_ADDRESS_BURST: int(4000, 1, 10_000_000),
  PLAYPULSE_RATE_LIMIT_AUTH_FAILURES_PER_MINUTE: int(60, 1, 100_000),
  PLAYPULSE_RATE_LIMIT_AUTH_FAILURES_BURST: int(60, 1, 100_000),
  /** Per-key limits by the key's source: `web=100:200,content=5:10` (per second : burst); other sources get the KEY ones. */
  PLAYPULSE_RATE_LIMIT_SOURCES: list.pipe(
    z.array(
      z
        .string()
        .regex(
          /^[A-Za-z0-9_.-]+=\d+(\.\d+)?:\d+$/,
          "each entry is <source>=<per second>:<burst>, for example web=100:200",
        ),
    ),
  ),
  /** Events dated further back than this are rejected per event (bounds ClickHouse partitions per insert). */
  PLAYPULSE_MAX_EVENT_AGE_DAYS: int(365, 1, 36_500),
  /** How long an erased user's events are not stored after the erasure (docs/erasure.md#late-events). */
  PLAYPULSE_ERASURE_SUPPRESS_DAYS: int(30, 1, 36_500),
  PLAYPULSE_PUBLISH_TIMEOUT_MS: int(5000, 100, 60_000),
  /** How long a publish made while others await their PubAcks may wait to share a socket write (src/bus/publisher.ts). */
  PLAYPULSE_PUBLISH_LINGER_MS: int(1, 0, 50),
  /**
   * A request's events for one subject travel as one message (src/ingest/pack.ts). On by default
   * since 2026-12-08, except with regions, which cannot have packs (packsOf, src/config/build.ts).
   */
  PLAYPULSE_PACK_EVENTS: boolUnlessSet(),
  /** With packs, the small requests held while others are in flight share messages too (mergeHeld, src/ingest/pack.ts). */
  PLAYPULSE_PACK_ACROSS_REQUESTS: bool(false),
  PLAYPULSE_RETRY_AFTER_SECONDS: int(2, 1, 300),
  /** Events per consumer batch: 10,000 since 2026-12-08 (docs/benchmarks.md#a-packed-backlog-the-pull-window). */
  PLAYPULSE_BATCH_SIZE: int(10_000, 1, 100_000),
  PLAYPULSE_FLUSH_INTERVAL_MS: int(1000, 10, 60_000),
  /** Batches each consume loop writes to ClickHouse at once (src/bus/consume-loop.ts). */
  PLAYPULSE_WRITES_IN_FLIGHT: int(2, 1, 4),
  PLAYPULSE_ACK_WAIT_SECONDS: int(60, 1, 3600),
  PLAYPULSE_MAX_DELIVER: int(20, 2, 10_000),
  /** Keep rejected-at-the-edge input in the ClickHouse `quarantine` table (via the quarantine stream). */
  PLAYPULSE_QUARANTINE: bool(false),
  PLAYPULSE_QUARANTINE_MAX_PAYLOAD_BYTES: int(8192, 256, 1024 * 1024),
  /** Size limit of the quarantine stream (it drops its oldest records when full). Default: stream max ÷ 8, at least 1 MiB. */
  PLAYPULSE_QUARANTINE_MAX_BYTES: z.preprocess(unsetIfEmpty, z.coerce.number().int().min(1024).optional()),
  PLAYPULSE_QUARANTINE_MAX_AGE_HOURS: int(7 * 24, 1, 24 * 365),
  /** Test-only fault hook (docs/reliability.md): hold acks this long after each stored batch. 0 = off. */
  PLAYPULSE_FAULT_DELAY_AFTER_WRITE_MS: int(0, 0, 60_000),
  PLAYPULSE_TRENDING_HALF_LIFE_HOURS: z.preprocess(
    unsetIfEmpty,
    z.coerce
      .number()
      .positive()
      .max(24 * 365)
      .default(12),
  ),
  /** Jaeger's UI; when set, the event lookup links each trace id to it (unset: the id alone). */
  PLAYPULSE_JAEGER_UI_URL: z.preprocess(unsetIfEmpty, z.string().url().optional()),
  /** A view counts as concurrent while its latest event is at most this old (docs/metrics.md#concurrent-viewers). */
  PLAYPULSE_CCV_WINDOW_SECONDS: int(25, 5, 300),
  /** Alert webhooks (docs/webhooks.md): every fired and resolved alert is POSTed to each URL, signed with the secret. */
  PLAYPULSE_WEBHOOK_URLS: list.pipe(z.array(z.url({ protocol: /^https?$/ }))),
  PLAYPULSE_WEBHOOK_SECRET: z.preprocess(unsetIfEmpty, z.string().min(16).optional()),
  PLAYPULSE_WEBHOOK_MAX_ATTEMPTS: int(8, 1, 100),
  PLAYPULSE_WEBHOOK_TIMEOUT_MS: int(10_000, 100, 120_000),
  /** Experiment definitions as a JSON array (docs/experiments.md); each is checked when the query role starts. */
  PLAYPULSE_EXPERIMENTS: z.string().optional(),
  /** Alert rules as a JSON array (docs/alerts.md); each is checked when the query or evaluations role starts. */
  PLAYPULSE_ALERT_RULES: z.string().optional(),
  /** The evaluations role re-evaluates at most this often while events arrive (docs/alerts.md). */
  PLAYPULSE_EVALUATION_INTERVAL_MS: int(10_000, 50, 3_600_000),
  /** `hmac`: the edge replaces every user_id with its HMAC-SHA256 under the pepper (docs/privacy.md#pseudonymous-ids). */
  PLAYPULSE_USER_ID_HASH: z.preprocess(unsetIfEmpty, z.enum(["none", "hmac"]).default("none")),
  /** The HMAC key of PLAYPULSE_USER_ID_HASH=hmac: a secret of at least 16 characters. */
  PLAYPULSE_USER_ID_PEPPER: z.preprocess(unsetIfEmpty, z.string().optional()),
  /** Days each table keeps its rows (docs/privacy.md#retention); 0 keeps them forever. */
  PLAYPULSE_RETENTION_EVENTS_DAYS: int(395, 0, 36_500),
  PLAYPULSE_RETENTION_REC_EVENTS_DAYS: int(395, 0, 36_500),
  PLAYPULSE_RETENTION_ROLLUPS_DAYS: int(395, 0, 36_500),
  PLAYPULSE_RETENTION_QUARANTINE_DAYS: int(30, 0, 36_500),
  /** How often the analytics role runs the retention sweep (0: only `playpulse migrate` and start-up do). */
  PLAYPULSE_RETENTION_SWEEP_MINUTES: int(60, 0, 7 * 24 * 60),
  OTEL_SDK_DISABLED: bool(false),
  OTEL_SERVICE_NAME: z.string().default("playpulse"),
  /*
   * The OpenTelemetry SDK reads the standard OTEL_* variables itself (src/instrumentation.ts):
   * endpoints, headers, sampler, propagators, resource attributes and detectors. The ones below
   * are checked here so a bad value stops the start with the others, not later in the SDK.
   */
  OTEL_TRACES_EXPORTER: z.preprocess(unsetIfEmpty, z.enum(["otlp", "console", "none"]).default("otlp")),
  OTEL_EXPORTER_OTLP_PROTOCOL: z.preprocess(unsetIfEmpty, z.enum(OTLP_PROTOCOLS).default("http/protobuf")),
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: z.preprocess(unsetIfEmpty, z.enum(OTLP_PROTOCOLS).optional()),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.preprocess(unsetIfEmpty, z.url().optional()),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: z.preprocess(unsetIfEmpty, z.url().optional()),
  OTEL_TRACES_SAMPLER: z.preprocess(
    unsetIfEmpty,
    z
      .enum([
        "always_on",
        "always_off",
        "traceidratio",
        "parentbased_always_on",
        "parentbased_always_off",
        "parentbased_traceidratio",
      ])
      .optional(),
  ),
  /** The ratio of the *traceidratio samplers, 0..1 (default 1). */
  OTEL_TRACES_SAMPLER_ARG: z
    .string()
    .optional()
    .refine(
      (v) => v === undefined || v === "" || (/^\d*\.?\d+$/.test(v.trim()) && Number(v) <= 1),
      "must be a ratio between 0 and 1",
    ),
  OTEL_BSP_SCHEDULE_DELAY: int(5000, 1, 600_000),
  OTEL_BSP_MAX_QUEUE_SIZE: int(8192, 1, 1_000_000),
  OTEL_BSP_MAX_EXPORT_BATCH_SIZE: int(512, 1, 100_000),
  /** The ClickHouse insert span links to every message of its batch: allow as many links as a batch can hold. */
  OTEL_SPAN_LINK_COUNT_LIMIT: int(10_000, 0, 1_000_000),
});

/** The variables as the schema parsed them. */
export type ParsedEnv = z.infer<typeof schema>;
