import { z } from "zod";
import { isOrigin, parseKeys, type KeyEntry, type Scope } from "./keys/index.ts";

const list = z
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
const name = /^[A-Za-z0-9_-]+$/;
/** A region name: also its JetStream domain and (upper-cased) its regional stream's suffix. */
const REGION = /^(?!dlq$|quarantine$)([a-z][a-z0-9-]{0,31})?$/;
const REGION_RULE = "a region is lower-case letters, digits and '-', starting with a letter (not dlq or quarantine)";
const OTLP_PROTOCOLS = ["http/protobuf", "http/json", "grpc"] as const;

const schema = z.object({
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
  PLAYPULSE_PUBLISH_TIMEOUT_MS: int(5000, 100, 60_000),
  PLAYPULSE_RETRY_AFTER_SECONDS: int(2, 1, 300),
  PLAYPULSE_BATCH_SIZE: int(5000, 1, 100_000),
  PLAYPULSE_FLUSH_INTERVAL_MS: int(1000, 10, 60_000),
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
  /** Experiment definitions as a JSON array (docs/experiments.md); each is checked when the query role starts. */
  PLAYPULSE_EXPERIMENTS: z.string().optional(),
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

export interface Config {
  natsUrl: string;
  natsAuth: NatsAuth;
  /** `url` carries CLICKHOUSE_USER and CLICKHOUSE_PASSWORD when they are set. */
  clickhouse: { url: string; database: string; cluster: string | undefined };
  /** False: the roles wait for what `playpulse migrate` creates instead of creating it. */
  provision: boolean;
  http: { host: string; port: number };
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
  ingest: { bodyTimeoutMs: number };
  publish: { timeoutMs: number; retryAfterSeconds: number };
  consumers: {
    batchSize: number;
    flushIntervalMs: number;
    ackWaitMs: number;
    /** The durables' `max_ack_pending`: room for two batches in hand and two more. */
    maxAckPending: number;
    maxDeliver: number;
    faultDelayAfterWriteMs: number;
  };
  trending: { halfLifeHours: number };
  quarantine: { enabled: boolean; maxPayloadBytes: number; maxBytes: number; maxAgeMs: number };
  /** Jaeger UI base URL without a trailing slash; undefined: no trace links. */
  jaegerUiUrl: string | undefined;
  ccv: { windowSeconds: number };
  /** PLAYPULSE_EXPERIMENTS, parsed as JSON; src/experiments checks each definition. */
  experiments: unknown[];
  otel: {
    disabled: boolean;
    serviceName: string;
    exporterName: "otlp" | "console" | "none";
    protocol: (typeof OTLP_PROTOCOLS)[number];
  };
  /** Span export and limits of the OpenTelemetry SDK (src/instrumentation.ts). */
  otelSdk: { scheduleDelayMs: number; maxQueueSize: number; maxExportBatchSize: number; linkCountLimit: number };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

/**
 * The one reader of the environment. Every problem is reported at once. `roles` names the roles
 * the caller will run (src/roles/names.ts lists them; config imports no layer above it): a
 * process with `ingest` needs write keys, one with `query` read keys.
 *
 * @example
 * const config = loadConfig({ PLAYPULSE_WRITE_KEYS: "wk_1", PLAYPULSE_READ_KEYS: "rk_1" });
 */
export function loadConfig(
  env: Record<string, string | undefined> = process.env,
  roles: readonly string[] = [],
): Config {
  const parsed = schema.safeParse(env);
  const problems: string[] = parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
  // The key checks read the raw lists, so they are reported together with any schema problem.
  const writeKeys = list.parse(env.PLAYPULSE_WRITE_KEYS);
  const readKeys = list.parse(env.PLAYPULSE_READ_KEYS);
  const scoped = parseKeys(env.PLAYPULSE_KEYS ?? "", problems);
  const scopedWith = (...scopes: Scope[]) => scoped.some((k) => scopes.some((s) => k.scopes.has(s)));
  if (roles.includes("ingest") && writeKeys.length === 0 && !scopedWith("events:write", "catalog", "publishable")) {
    problems.push(
      "PLAYPULSE_WRITE_KEYS: the ingest role needs at least one write key (comma-separated), or a PLAYPULSE_KEYS key with events:write",
    );
  }
  if (roles.includes("query") && readKeys.length === 0 && !scopedWith("stats:read")) {
    problems.push(
      "PLAYPULSE_READ_KEYS: the query role needs at least one read key (comma-separated), or a PLAYPULSE_KEYS key with stats:read",
    );
  }
  const both = writeKeys.filter((k) => readKeys.includes(k));
  if (both.length > 0) problems.push("PLAYPULSE_WRITE_KEYS and PLAYPULSE_READ_KEYS must not share keys");
  const publishable = parsePublishableKeys(env.PLAYPULSE_PUBLISHABLE_KEYS ?? "", problems);
  if ([...publishable.keys()].some((k) => writeKeys.includes(k) || readKeys.includes(k))) {
    problems.push("PLAYPULSE_PUBLISHABLE_KEYS must not share keys with PLAYPULSE_WRITE_KEYS or PLAYPULSE_READ_KEYS");
  }
  const experiments = parseJsonArray("PLAYPULSE_EXPERIMENTS", env.PLAYPULSE_EXPERIMENTS, problems);
  problems.push(...placeholderProblems(env));
  const natsAuth = natsAuthOf(env, problems);
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);
  const e = parsed.data;

  return {
    natsUrl: e.NATS_URL,
    natsAuth,
    clickhouse: {
      url: withCredentials(e.CLICKHOUSE_URL, e.CLICKHOUSE_USER, e.CLICKHOUSE_PASSWORD),
      database: e.CLICKHOUSE_DATABASE,
      cluster: e.PLAYPULSE_CLICKHOUSE_CLUSTER,
    },
    provision: e.PLAYPULSE_PROVISION,
    http: { host: e.PLAYPULSE_HTTP_HOST, port: e.PLAYPULSE_HTTP_PORT },
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
    ingest: { bodyTimeoutMs: e.PLAYPULSE_BODY_TIMEOUT_MS },
    publish: { timeoutMs: e.PLAYPULSE_PUBLISH_TIMEOUT_MS, retryAfterSeconds: e.PLAYPULSE_RETRY_AFTER_SECONDS },
    consumers: {
      batchSize: e.PLAYPULSE_BATCH_SIZE,
      flushIntervalMs: e.PLAYPULSE_FLUSH_INTERVAL_MS,
      ackWaitMs: e.PLAYPULSE_ACK_WAIT_SECONDS * 1000,
      maxAckPending: Math.max(1000, e.PLAYPULSE_BATCH_SIZE * 4),
      maxDeliver: e.PLAYPULSE_MAX_DELIVER,
      faultDelayAfterWriteMs: e.PLAYPULSE_FAULT_DELAY_AFTER_WRITE_MS,
    },
    trending: { halfLifeHours: e.PLAYPULSE_TRENDING_HALF_LIFE_HOURS },
    quarantine: {
      enabled: e.PLAYPULSE_QUARANTINE,
      maxPayloadBytes: e.PLAYPULSE_QUARANTINE_MAX_PAYLOAD_BYTES,
      maxBytes: e.PLAYPULSE_QUARANTINE_MAX_BYTES ?? Math.max(1024 * 1024, Math.floor(e.PLAYPULSE_STREAM_MAX_BYTES / 8)),
      maxAgeMs: e.PLAYPULSE_QUARANTINE_MAX_AGE_HOURS * 3600_000,
    },
    jaegerUiUrl: e.PLAYPULSE_JAEGER_UI_URL?.replace(/\/+$/, ""),
    ccv: { windowSeconds: e.PLAYPULSE_CCV_WINDOW_SECONDS },
    experiments,
    otel: {
      disabled: e.OTEL_SDK_DISABLED,
      serviceName: e.OTEL_SERVICE_NAME,
      exporterName: e.OTEL_TRACES_EXPORTER,
      protocol: e.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? e.OTEL_EXPORTER_OTLP_PROTOCOL,
    },
    otelSdk: {
      scheduleDelayMs: e.OTEL_BSP_SCHEDULE_DELAY,
      maxQueueSize: e.OTEL_BSP_MAX_QUEUE_SIZE,
      maxExportBatchSize: Math.min(e.OTEL_BSP_MAX_EXPORT_BATCH_SIZE, e.OTEL_BSP_MAX_QUEUE_SIZE),
      linkCountLimit: e.OTEL_SPAN_LINK_COUNT_LIMIT,
    },
  };
}

/** A JSON array from one variable (empty when unset). */
function parseJsonArray(name: string, raw: string | undefined, problems: string[]): unknown[] {
  if (raw === undefined || raw.trim() === "") return [];
  try {
    const v: unknown = JSON.parse(raw);
    if (Array.isArray(v)) return v as unknown[];
  } catch {
    // reported below
  }
  problems.push(`${name}: must be a JSON array of experiment definitions (docs/experiments.md)`);
  return [];
}

/**
 * `PLAYPULSE_PUBLISHABLE_KEYS`: comma-separated `key=origin|origin...` entries. Each origin is exactly
 * what a browser sends in `Origin` (`https://shop.example`, `http://localhost:3000`: no path, no
 * trailing slash). Problems are appended to `problems`.
 */
function parsePublishableKeys(raw: string, problems: string[]): Map<string, ReadonlySet<string>> {
  const keys = new Map<string, ReadonlySet<string>>();
  const where = "PLAYPULSE_PUBLISHABLE_KEYS";
  for (const entry of raw.split(",").map((e) => e.trim())) {
    if (entry === "") continue;
    const eq = entry.indexOf("=");
    const key = eq < 0 ? entry : entry.slice(0, eq).trim();
    const origins =
      eq < 0
        ? []
        : entry
            .slice(eq + 1)
            .split("|")
            .map((o) => o.trim())
            .filter((o) => o !== "");
    if (!/^[A-Za-z0-9_.:-]+$/.test(key)) {
      problems.push(`${where}: key names may hold A-Z a-z 0-9 _ . : - only (entry ${keys.size + 1})`);
      continue;
    }
    if (origins.length === 0)
      problems.push(`${where}: key ${key} needs its allowed origins: ${key}=https://site.example`);
    const bad = origins.filter((o) => !isOrigin(o));
    if (bad.length > 0) {
      problems.push(
        `${where}: ${bad.map((o) => JSON.stringify(o)).join(", ")} is not an origin such as https://site.example (scheme, host, optional port; no path)`,
      );
    }
    if (keys.has(key)) problems.push(`${where}: key ${key} is listed twice`);
    keys.set(key, new Set(origins));
  }
  return keys;
}

// ---- credentials: NATS and ClickHouse users, placeholder secrets ----

/**
 * How the process authenticates to NATS (NATS_CREDS, NATS_NKEY, or NATS_USER and NATS_PASSWORD).
 * The same shape as `NatsAuth` in src/bus/connect.ts, which takes it (config imports no layer).
 */
export type NatsAuth =
  | { kind: "none" }
  | { kind: "creds"; file: string }
  | { kind: "nkey"; seedFile: string }
  | { kind: "password"; user: string; password: string };

/**
 * Values shipped as examples that must never run anywhere: `replace-me-…` and friends. Every
 * credential and key variable is checked, and a URL's password too.
 */
const PLACEHOLDER = /^(replace[-_]?me.*|change[-_]?me.*|changeit|placeholder|secret|password|todo|xxx+)$/i;
const SECRET_VARIABLES = [
  "PLAYPULSE_WRITE_KEYS",
  "PLAYPULSE_READ_KEYS",
  "PLAYPULSE_PUBLISHABLE_KEYS",
  "NATS_PASSWORD",
  "CLICKHOUSE_PASSWORD",
] as const;

function placeholderProblems(env: Record<string, string | undefined>): string[] {
  const values = (name: string): string[] => {
    const raw = env[name] ?? "";
    if (name === "PLAYPULSE_PUBLISHABLE_KEYS") return raw.split(",").map((e) => e.split("=")[0]?.trim() ?? "");
    return name.endsWith("_KEYS") ? raw.split(",").map((k) => k.trim()) : [raw];
  };
  const found: string[] = SECRET_VARIABLES.filter((name) => values(name).some((v) => PLACEHOLDER.test(v.trim())));
  const urlPassword = urlPasswordOf(env.CLICKHOUSE_URL);
  if (urlPassword !== undefined && PLACEHOLDER.test(urlPassword)) found.push("CLICKHOUSE_URL");
  return found.map(
    (name) =>
      `${name}: holds a placeholder value shipped as an example (such as replace-me-…); ` +
      "set a real secret (e.g. openssl rand -hex 32), see docs/deploy.md#secrets",
  );
}

function urlPasswordOf(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  try {
    const password = decodeURIComponent(new URL(url).password);
    return password === "" ? undefined : password;
  } catch {
    return undefined;
  }
}

function withCredentials(url: string, user: string | undefined, password: string | undefined): string {
  if (user === undefined && password === undefined) return url;
  const u = new URL(url);
  if (user !== undefined) u.username = encodeURIComponent(user);
  if (password !== undefined) u.password = encodeURIComponent(password);
  return u.toString().replace(/\/$/, url.endsWith("/") ? "/" : "");
}

function natsAuthOf(env: Record<string, string | undefined>, problems: string[]): NatsAuth {
  const set = (name: string) => (env[name] ?? "") !== "";
  const kinds = [set("NATS_CREDS"), set("NATS_NKEY"), set("NATS_USER") || set("NATS_PASSWORD")].filter(Boolean);
  if (kinds.length > 1) {
    problems.push("NATS_CREDS, NATS_NKEY and NATS_USER/NATS_PASSWORD: give one kind of NATS credentials, not several");
  }
  if (set("NATS_USER") !== set("NATS_PASSWORD")) problems.push("NATS_USER and NATS_PASSWORD: give both or neither");
  if (set("NATS_CREDS")) return { kind: "creds", file: env.NATS_CREDS ?? "" };
  if (set("NATS_NKEY")) return { kind: "nkey", seedFile: env.NATS_NKEY ?? "" };
  if (set("NATS_USER")) return { kind: "password", user: env.NATS_USER ?? "", password: env.NATS_PASSWORD ?? "" };
  return { kind: "none" };
}

/** The process environment, for commands that layer their own settings over it (`playpulse up`). */
export function processEnv(): Record<string, string | undefined> {
  return process.env;
}

/** The executable search path, for finding nats-server and clickhouse-server (`playpulse up`, tests). */
export function systemPath(env: Record<string, string | undefined> = process.env): string {
  return env.PATH ?? "";
}
