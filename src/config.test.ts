import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "./config.ts";
import { ROLES, type Role } from "./roles/index.ts";

function problems(env: Record<string, string | undefined>, roles: readonly Role[] = []): string[] {
  try {
    loadConfig(env, roles);
  } catch (err: unknown) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error("expected a ConfigError");
}

const KEYS = { PLAYPULSE_WRITE_KEYS: "wk_1", PLAYPULSE_READ_KEYS: "rk_1" };

describe("loadConfig: defaults", () => {
  it("needs nothing from the environment when no role is asked for", () => {
    const c = loadConfig({});
    expect(c.natsUrl).toBe("nats://127.0.0.1:4222");
    expect(c.clickhouse).toEqual({ url: "http://127.0.0.1:8123", database: "playpulse" });
    expect(c.http).toEqual({ host: "0.0.0.0", port: 8080, headersTimeoutMs: 10_000, requestTimeoutMs: 30_000 });
    expect(c.keys).toEqual({ write: new Set(), read: new Set(), publishable: new Map(), scoped: [] });
    expect(c.logLevel).toBe("info");
    expect(c.stream).toEqual({
      name: "PLAYPULSE",
      subjectPrefix: "",
      maxBytes: 8 * 1024 ** 3,
      maxAgeMs: 7 * 24 * 3600_000,
      replicas: 1,
      duplicateWindowMs: 600_000,
      region: "",
      sourceRegions: [],
    });
    expect(c.limits).toEqual({ maxEventBytes: 32 * 1024, maxBodyBytes: 1024 * 1024, maxBatchEvents: 1000 });
    expect(c.publish).toEqual({
      timeoutMs: 5000,
      retryAfterSeconds: 2,
      lingerMs: 1,
      pack: true,
      packAcrossRequests: false,
    });
    expect(c.consumers).toMatchObject({ batchSize: 10_000, flushIntervalMs: 1000, ackWaitMs: 60_000, maxDeliver: 20 });
    expect(c.trending).toEqual({ halfLifeHours: 12 });
    expect(c.jaegerUiUrl).toBeUndefined();
    expect(c.otel).toEqual({
      disabled: false,
      serviceName: "playpulse",
      exporterName: "otlp",
      protocol: "http/protobuf",
    });
  });

  it("treats an empty value as unset", () => {
    const c = loadConfig({
      PLAYPULSE_HTTP_PORT: "",
      PLAYPULSE_BATCH_SIZE: "",
      PLAYPULSE_TRENDING_HALF_LIFE_HOURS: "",
      OTEL_SDK_DISABLED: "",
      PLAYPULSE_WRITE_KEYS: "",
    });
    expect([c.http.port, c.consumers.batchSize, c.trending.halfLifeHours, c.otel.disabled, c.keys.write.size]).toEqual([
      8080,
      10_000,
      12,
      false,
      0,
    ]);
  });

  it("reads every setting it is given", () => {
    const c = loadConfig({
      NATS_URL: "nats://a:4222,nats://b:4222",
      CLICKHOUSE_URL: "https://ch.example:8443",
      CLICKHOUSE_DATABASE: "pp_prod",
      PLAYPULSE_HTTP_HOST: "127.0.0.1",
      PLAYPULSE_HTTP_PORT: "0",
      PLAYPULSE_WRITE_KEYS: " wk_a, wk_b ,,",
      PLAYPULSE_READ_KEYS: "rk_a",
      PLAYPULSE_LOG_LEVEL: "warn",
      PLAYPULSE_STREAM: "PP_T1",
      PLAYPULSE_SUBJECT_PREFIX: "t1",
      PLAYPULSE_STREAM_MAX_BYTES: "1048576",
      PLAYPULSE_STREAM_MAX_AGE_HOURS: "24",
      PLAYPULSE_STREAM_REPLICAS: "3",
      PLAYPULSE_DUPLICATE_WINDOW_SECONDS: "120",
      PLAYPULSE_MAX_EVENT_BYTES: "4096",
      PLAYPULSE_MAX_BODY_BYTES: "65536",
      PLAYPULSE_MAX_BATCH_EVENTS: "50",
      PLAYPULSE_PUBLISH_TIMEOUT_MS: "1000",
      PLAYPULSE_PUBLISH_LINGER_MS: "0",
      PLAYPULSE_PACK_EVENTS: "1",
      PLAYPULSE_PACK_ACROSS_REQUESTS: "1",
      PLAYPULSE_RETRY_AFTER_SECONDS: "5",
      PLAYPULSE_BATCH_SIZE: "100",
      PLAYPULSE_FLUSH_INTERVAL_MS: "250",
      PLAYPULSE_ACK_WAIT_SECONDS: "30",
      PLAYPULSE_MAX_DELIVER: "5",
      PLAYPULSE_TRENDING_HALF_LIFE_HOURS: "1.5",
      PLAYPULSE_JAEGER_UI_URL: "http://jaeger:16686//",
      OTEL_SDK_DISABLED: "1",
      OTEL_SERVICE_NAME: "pp",
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318/",
      OTEL_TRACES_SAMPLER: "traceidratio",
      OTEL_TRACES_SAMPLER_ARG: "0.1",
    });
    expect(c.natsUrl).toBe("nats://a:4222,nats://b:4222");
    expect(c.clickhouse).toEqual({ url: "https://ch.example:8443", database: "pp_prod" });
    expect(c.http).toEqual({ host: "127.0.0.1", port: 0, headersTimeoutMs: 10_000, requestTimeoutMs: 30_000 });
    expect(c.keys).toEqual({
      write: new Set(["wk_a", "wk_b"]),
      read: new Set(["rk_a"]),
      publishable: new Map(),
      scoped: [],
    });
    expect(c.logLevel).toBe("warn");
    expect(c.stream).toEqual({
      name: "PP_T1",
      subjectPrefix: "t1",
      maxBytes: 1_048_576,
      maxAgeMs: 24 * 3600_000,
      replicas: 3,
      duplicateWindowMs: 120_000,
      region: "",
      sourceRegions: [],
    });
    expect(c.limits).toEqual({ maxEventBytes: 4096, maxBodyBytes: 65_536, maxBatchEvents: 50 });
    expect(c.publish).toEqual({
      timeoutMs: 1000,
      retryAfterSeconds: 5,
      lingerMs: 0,
      pack: true,
      packAcrossRequests: true,
    });
    expect(c.consumers).toMatchObject({ batchSize: 100, flushIntervalMs: 250, ackWaitMs: 30_000, maxDeliver: 5 });
    expect(c.trending).toEqual({ halfLifeHours: 1.5 });
    expect(c.jaegerUiUrl).toBe("http://jaeger:16686");
    expect(c.otel).toEqual({ disabled: true, serviceName: "pp", exporterName: "otlp", protocol: "http/protobuf" });
  });

  it.each([
    [{ OTEL_EXPORTER_OTLP_PROTOCOL: "http/json" }, "http/json"],
    [{ OTEL_EXPORTER_OTLP_PROTOCOL: "grpc", OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: "http/json" }, "http/json"],
    [{ OTEL_EXPORTER_OTLP_PROTOCOL: "" }, "http/protobuf"],
  ])("takes the OTLP protocol of %j: %s", (env, expected) => {
    expect(loadConfig(env).otel.protocol).toBe(expected);
  });

  it("reports bad OpenTelemetry values with the others", () => {
    expect(
      problems({
        OTEL_TRACES_EXPORTER: "jaeger",
        OTEL_EXPORTER_OTLP_PROTOCOL: "http",
        OTEL_EXPORTER_OTLP_ENDPOINT: "not a url",
        OTEL_TRACES_SAMPLER: "sometimes",
        OTEL_TRACES_SAMPLER_ARG: "2",
      }),
    ).toEqual([
      'OTEL_TRACES_EXPORTER: Invalid option: expected one of "otlp"|"console"|"none"',
      'OTEL_EXPORTER_OTLP_PROTOCOL: Invalid option: expected one of "http/protobuf"|"http/json"|"grpc"',
      "OTEL_EXPORTER_OTLP_ENDPOINT: Invalid URL",
      'OTEL_TRACES_SAMPLER: Invalid option: expected one of "always_on"|"always_off"|"traceidratio"|"parentbased_always_on"|"parentbased_always_off"|"parentbased_traceidratio"',
      "OTEL_TRACES_SAMPLER_ARG: must be a ratio between 0 and 1",
    ]);
  });

  it.each([
    ["true", true],
    ["false", false],
    ["1", true],
    ["0", false],
  ])("reads OTEL_SDK_DISABLED=%s as %s", (raw, expected) => {
    expect(loadConfig({ OTEL_SDK_DISABLED: raw }).otel.disabled).toBe(expected);
  });
});

describe("loadConfig: regions (docs/regions.md)", () => {
  it("reads this deployment's region and the regions the analytics stream sources, once each", () => {
    const c = loadConfig({ PLAYPULSE_REGION: "eu-west", PLAYPULSE_SOURCE_REGIONS: "eu-west, us-east,eu-west" });
    expect([c.stream.region, c.stream.sourceRegions]).toEqual(["eu-west", ["eu-west", "us-east"]]);
  });

  const rule = "a region is lower-case letters, digits and '-', starting with a letter (not dlq or quarantine)";
  it.each([
    [{ PLAYPULSE_REGION: "EU" }, [`PLAYPULSE_REGION: ${rule}`]],
    [{ PLAYPULSE_REGION: "dlq" }, [`PLAYPULSE_REGION: ${rule}`]],
    [{ PLAYPULSE_SOURCE_REGIONS: "eu,us.east" }, [`PLAYPULSE_SOURCE_REGIONS.1: ${rule}`]],
    [{ PLAYPULSE_SOURCE_REGIONS: "quarantine" }, [`PLAYPULSE_SOURCE_REGIONS.0: ${rule}`]],
  ])("refuses a region name that is no JetStream domain or collides with a stream: %j", (env, expected) => {
    expect(problems(env, [])).toEqual(expected);
  });

  const packs =
    "PLAYPULSE_PACK_EVENTS: not supported with regions (PLAYPULSE_REGION or PLAYPULSE_SOURCE_REGIONS set): an erasure cannot rewrite a pack sourced from a region's stream; unset one of them";
  it.each([
    { PLAYPULSE_PACK_EVENTS: "1", PLAYPULSE_REGION: "eu" },
    { PLAYPULSE_PACK_EVENTS: "true", PLAYPULSE_SOURCE_REGIONS: "eu,us" },
  ])("refuses packs with regions: %j", (env) => {
    expect(problems(env, [])).toEqual([packs]);
  });
  it.each([
    [{}, true],
    [{ PLAYPULSE_PACK_EVENTS: "" }, true],
    [{ PLAYPULSE_PACK_EVENTS: "1" }, true],
    [{ PLAYPULSE_PACK_EVENTS: "0" }, false],
    [{ PLAYPULSE_REGION: "eu" }, false],
    [{ PLAYPULSE_SOURCE_REGIONS: "eu,us" }, false],
    [{ PLAYPULSE_PACK_EVENTS: "0", PLAYPULSE_REGION: "eu" }, false],
  ])("packs by default, not with regions, and as set without them: %j", (env, pack) => {
    expect(loadConfig(env).publish.pack).toBe(pack);
  });
  it.each([
    [{}, false],
    [{ PLAYPULSE_PACK_EVENTS: "1" }, false],
    [{ PLAYPULSE_PACK_ACROSS_REQUESTS: "1" }, true],
    [{ PLAYPULSE_PACK_EVENTS: "1", PLAYPULSE_PACK_ACROSS_REQUESTS: "true" }, true],
  ])("packs across requests only when asked, with packs on: %j", (env, across) => {
    expect(loadConfig(env).publish.packAcrossRequests).toBe(across);
  });
  it.each([
    [
      { PLAYPULSE_PACK_EVENTS: "0", PLAYPULSE_PACK_ACROSS_REQUESTS: "1" },
      "PLAYPULSE_PACK_ACROSS_REQUESTS: needs packs, and PLAYPULSE_PACK_EVENTS is off (requests share packed messages only when packs are on); unset one of them",
    ],
    [
      { PLAYPULSE_REGION: "eu", PLAYPULSE_PACK_ACROSS_REQUESTS: "1" },
      "PLAYPULSE_PACK_ACROSS_REQUESTS: needs packs, which are off with regions (PLAYPULSE_REGION or PLAYPULSE_SOURCE_REGIONS set); unset it",
    ],
  ])("refuses packs across requests without packs, saying what to unset: %j", (env, problem) => {
    expect(problems(env, [])).toEqual([problem]);
  });
});

describe("loadConfig: per-source rate limits", () => {
  it("reads <source>=<per second>:<burst> entries", () => {
    const c = loadConfig({ PLAYPULSE_RATE_LIMIT_SOURCES: "web=100:200, content=0.5:3" });
    expect([...c.rateLimits.perSource]).toEqual([
      ["web", { perSecond: 100, burst: 200 }],
      ["content", { perSecond: 0.5, burst: 3 }],
    ]);
    expect(loadConfig({}).rateLimits.perSource.size).toBe(0);
  });

  it("refuses an entry of another shape, naming the shape", () => {
    expect(problems({ PLAYPULSE_RATE_LIMIT_SOURCES: "web=100:200,content=fast" }, [])).toEqual([
      "PLAYPULSE_RATE_LIMIT_SOURCES.1: each entry is <source>=<per second>:<burst>, for example web=100:200",
    ]);
  });
});

describe("loadConfig: alert webhooks (docs/webhooks.md)", () => {
  it("reads the endpoints once each, with the secret and the retry settings", () => {
    const c = loadConfig({
      PLAYPULSE_WEBHOOK_URLS: "https://hooks.example/a, http://127.0.0.1:9/b,https://hooks.example/a",
      PLAYPULSE_WEBHOOK_SECRET: "whsec_0123456789abcdef",
      PLAYPULSE_WEBHOOK_MAX_ATTEMPTS: "5",
    });
    expect(c.webhooks).toEqual({
      urls: ["https://hooks.example/a", "http://127.0.0.1:9/b"],
      secret: "whsec_0123456789abcdef",
      maxAttempts: 5,
      timeoutMs: 10_000,
    });
    expect(loadConfig({}).webhooks.urls).toEqual([]);
  });

  it.each([
    [
      { PLAYPULSE_WEBHOOK_URLS: "https://hooks.example/a" },
      [
        "PLAYPULSE_WEBHOOK_SECRET: required with PLAYPULSE_WEBHOOK_URLS, to sign deliveries (at least 16 characters, " +
          "e.g. openssl rand -hex 32; receivers verify with it, see docs/webhooks.md)",
      ],
    ],
    [
      { PLAYPULSE_WEBHOOK_URLS: "ftp://hooks.example/a", PLAYPULSE_WEBHOOK_SECRET: "0123456789abcdef" },
      ["PLAYPULSE_WEBHOOK_URLS.0: Invalid URL"],
    ],
    [
      { PLAYPULSE_WEBHOOK_URLS: "https://h.example/a", PLAYPULSE_WEBHOOK_SECRET: "short" },
      ["PLAYPULSE_WEBHOOK_SECRET: Too small: expected string to have >=16 characters"],
    ],
  ])("refuses webhooks it could not sign or reach: %j", (env, expected) => {
    expect(problems(env, [])).toEqual(expected);
  });
});

describe("loadConfig: problems", () => {
  it("lists every problem at once, schema and role checks together", () => {
    const env = {
      CLICKHOUSE_URL: "not a url",
      CLICKHOUSE_DATABASE: "1db",
      PLAYPULSE_HTTP_PORT: "70000",
      PLAYPULSE_LOG_LEVEL: "loud",
      PLAYPULSE_STREAM: "a.b",
      PLAYPULSE_SUBJECT_PREFIX: "A.b",
      PLAYPULSE_MAX_BATCH_EVENTS: "many",
      PLAYPULSE_BATCH_SIZE: "1.5",
      PLAYPULSE_TRENDING_HALF_LIFE_HOURS: "0",
      OTEL_SDK_DISABLED: "yes",
    };
    expect(problems(env, ["ingest", "query"])).toEqual([
      "CLICKHOUSE_URL: Invalid URL",
      "CLICKHOUSE_DATABASE: Invalid string: must match pattern /^[A-Za-z_][A-Za-z0-9_]*$/",
      "PLAYPULSE_HTTP_PORT: Too big: expected number to be <=65535",
      'PLAYPULSE_LOG_LEVEL: Invalid option: expected one of "trace"|"debug"|"info"|"warn"|"error"|"fatal"|"silent"',
      "PLAYPULSE_STREAM: Invalid string: must match pattern /^[A-Za-z0-9_-]+$/",
      "PLAYPULSE_SUBJECT_PREFIX: Invalid string: must match pattern /^([a-z0-9_-]+)?$/",
      "PLAYPULSE_MAX_BATCH_EVENTS: Invalid input: expected number, received NaN",
      "PLAYPULSE_BATCH_SIZE: Invalid input: expected int, received number",
      "PLAYPULSE_TRENDING_HALF_LIFE_HOURS: Too small: expected number to be >0",
      'OTEL_SDK_DISABLED: Invalid option: expected one of "0"|"1"|"true"|"false"|""',
      "PLAYPULSE_WRITE_KEYS: the ingest role needs at least one write key (comma-separated), or a PLAYPULSE_KEYS key with events:write",
      "PLAYPULSE_READ_KEYS: the query role needs at least one read key (comma-separated), or a PLAYPULSE_KEYS key with stats:read",
    ]);
  });

  it("puts every problem in the error message, one a line", () => {
    expect(() => loadConfig({ PLAYPULSE_HTTP_PORT: "-1" }, ["ingest"])).toThrow(
      new ConfigError([
        "PLAYPULSE_HTTP_PORT: Too small: expected number to be >=0",
        "PLAYPULSE_WRITE_KEYS: the ingest role needs at least one write key (comma-separated), or a PLAYPULSE_KEYS key with events:write",
      ]),
    );
    expect(new ConfigError(["a", "b"]).message).toBe("invalid configuration:\n  - a\n  - b");
  });

  it.each<[readonly Role[], Record<string, string>, string[]]>([
    [
      ["ingest"],
      {},
      [
        "PLAYPULSE_WRITE_KEYS: the ingest role needs at least one write key (comma-separated), or a PLAYPULSE_KEYS key with events:write",
      ],
    ],
    [
      ["ingest"],
      { PLAYPULSE_WRITE_KEYS: " , ," },
      [
        "PLAYPULSE_WRITE_KEYS: the ingest role needs at least one write key (comma-separated), or a PLAYPULSE_KEYS key with events:write",
      ],
    ],
    [
      ["query"],
      { PLAYPULSE_WRITE_KEYS: "wk_1" },
      [
        "PLAYPULSE_READ_KEYS: the query role needs at least one read key (comma-separated), or a PLAYPULSE_KEYS key with stats:read",
      ],
    ],
    [
      ["ingest", "query"],
      {},
      [
        "PLAYPULSE_WRITE_KEYS: the ingest role needs at least one write key (comma-separated), or a PLAYPULSE_KEYS key with events:write",
        "PLAYPULSE_READ_KEYS: the query role needs at least one read key (comma-separated), or a PLAYPULSE_KEYS key with stats:read",
      ],
    ],
  ])("roles %j with %j need keys", (roles, env, expected) => {
    expect(problems(env, roles)).toEqual(expected);
  });

  it.each<[readonly Role[]]>([[["analytics", "recommendations", "content"]], [[]]])(
    "roles %j need no keys",
    (roles) => {
      expect(loadConfig({}, roles).keys).toEqual({
        write: new Set(),
        read: new Set(),
        publishable: new Map(),
        scoped: [],
      });
    },
  );

  it("accepts every role with one write and one read key", () => {
    expect(loadConfig(KEYS, ROLES).keys).toEqual({
      write: new Set(["wk_1"]),
      read: new Set(["rk_1"]),
      publishable: new Map(),
      scoped: [],
    });
  });

  it("accepts scoped keys instead of the shorthand lists, and reports bad lines with the rest", () => {
    const line = (source: string, scopes: string, c: string) => `${source} ${scopes} sha256:${c.repeat(64)}`;
    const env = { PLAYPULSE_KEYS: `${line("web", "events:write", "a")}\n${line("dash", "stats:read", "b")}` };
    expect(loadConfig(env, ["ingest", "query"]).keys.scoped.map((k) => [k.source, [...k.scopes]])).toEqual([
      ["web", ["events:write"]],
      ["dash", ["stats:read"]],
    ]);
    expect(() => loadConfig({ ...KEYS, PLAYPULSE_KEYS: "web events:write wk_plain" }, ROLES)).toThrow(
      'PLAYPULSE_KEYS entry 1: the third field must be sha256:<64 hex digits> (the hash line of "playpulse keys create"; never the key itself)',
    );
  });

  it("reads publishable keys with their allowed origins", () => {
    const env = {
      PLAYPULSE_PUBLISHABLE_KEYS: " pk_a=https://a.example|http://localhost:3000 , pk_b=https://b.example:8443",
    };
    expect(loadConfig(env).keys.publishable).toEqual(
      new Map([
        ["pk_a", new Set(["https://a.example", "http://localhost:3000"])],
        ["pk_b", new Set(["https://b.example:8443"])],
      ]),
    );
  });

  it.each([
    ["pk_a", ["PLAYPULSE_PUBLISHABLE_KEYS: key pk_a needs its allowed origins: pk_a=https://site.example"]],
    [
      "pk_a=https://a.example/",
      [
        'PLAYPULSE_PUBLISHABLE_KEYS: "https://a.example/" is not an origin such as https://site.example (scheme, host, optional port; no path)',
      ],
    ],
    [
      "pk_a=ftp://a.example|*",
      [
        'PLAYPULSE_PUBLISHABLE_KEYS: "ftp://a.example", "*" is not an origin such as https://site.example (scheme, host, optional port; no path)',
      ],
    ],
    ["pk_a=https://a.example,pk_a=https://b.example", ["PLAYPULSE_PUBLISHABLE_KEYS: key pk_a is listed twice"]],
    ["p k=https://a.example", ["PLAYPULSE_PUBLISHABLE_KEYS: key names may hold A-Z a-z 0-9 _ . : - only (entry 1)"]],
    [
      "wk_1=https://a.example",
      ["PLAYPULSE_PUBLISHABLE_KEYS must not share keys with PLAYPULSE_WRITE_KEYS or PLAYPULSE_READ_KEYS"],
    ],
  ])("rejects PLAYPULSE_PUBLISHABLE_KEYS=%j", (value, expected) => {
    expect(problems({ ...KEYS, PLAYPULSE_PUBLISHABLE_KEYS: value }, ROLES)).toEqual(expected);
  });

  it.each([
    [{ PLAYPULSE_WRITE_KEYS: "shared", PLAYPULSE_READ_KEYS: "shared" }, []],
    [{ PLAYPULSE_WRITE_KEYS: "wk_1,shared", PLAYPULSE_READ_KEYS: " shared ,rk_1" }, ["ingest", "query"]],
  ] as [Record<string, string>, Role[]][])("rejects a key that is both a write and a read key (%j)", (env, roles) => {
    expect(problems(env, roles)).toEqual(["PLAYPULSE_WRITE_KEYS and PLAYPULSE_READ_KEYS must not share keys"]);
  });

  it.each([
    ["PLAYPULSE_HTTP_PORT", "8080.5", "PLAYPULSE_HTTP_PORT: Invalid input: expected int, received number"],
    ["PLAYPULSE_STREAM_REPLICAS", "6", "PLAYPULSE_STREAM_REPLICAS: Too big: expected number to be <=5"],
    [
      "PLAYPULSE_DUPLICATE_WINDOW_SECONDS",
      "0",
      "PLAYPULSE_DUPLICATE_WINDOW_SECONDS: Too small: expected number to be >=1",
    ],
    ["PLAYPULSE_MAX_EVENT_BYTES", "100", "PLAYPULSE_MAX_EVENT_BYTES: Too small: expected number to be >=256"],
    ["PLAYPULSE_MAX_BODY_BYTES", "999999999", "PLAYPULSE_MAX_BODY_BYTES: Too big: expected number to be <=16777216"],
    ["PLAYPULSE_MAX_DELIVER", "1", "PLAYPULSE_MAX_DELIVER: Too small: expected number to be >=2"],
    ["PLAYPULSE_FLUSH_INTERVAL_MS", "5", "PLAYPULSE_FLUSH_INTERVAL_MS: Too small: expected number to be >=10"],
  ])("rejects %s=%s", (key, value, problem) => {
    expect(problems({ [key]: value })).toEqual([problem]);
  });
});
