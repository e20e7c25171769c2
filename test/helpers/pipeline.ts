import { ONE_MESSAGE_PER_EVENT } from "./packs.ts";
import { loadConfig, type Config } from "../../src/config.ts";
import { ROLES, type Role } from "../../src/roles/index.ts";
import { uniqueNamespace } from "../../src/local-servers/index.ts";
import { namespaceEnv } from "./namespace.ts";
import { startRoles, type Running } from "../../src/main.ts";
import { createStore, type Store } from "../../src/store/index.ts";
import { createLogger } from "../../src/telemetry/logger.ts";
import { EDGE_ROLES, edgeRuntime } from "./edge-runtime.ts";
import { expectAnswerMatchesOpenApi } from "./openapi.ts";
import { spawnRole, type RoleProcess } from "./roles.ts";

export interface Pipeline extends AsyncDisposable {
  /** `http://127.0.0.1:<port>` of the roles' HTTP server. */
  baseUrl: string;
  writeKey: string;
  readKey: string;
  /** Namespace of this pipeline: stream `PP_<ns>`, subjects `<ns>.user.…`, database `pp_<ns>`. */
  ns: string;
  config: Config;
  env: Record<string, string>;
  /** The roles run in this process: all of them, or only the consumers when the edge runs on Bun or Deno. */
  running: Running | undefined;
  /** The edge's own process when it runs on Bun or Deno (`edgeRuntime()`). */
  edge: RoleProcess | undefined;
  /** A ClickHouse client on this pipeline's database, for assertions. */
  store: Store;
  /** POST /v1/events with the write key; `body` is JSON-encoded unless it is a string. */
  send(
    body: unknown,
    init?: { contentType?: string; key?: string | null; headers?: Record<string, string> },
  ): Promise<{ status: number; body: unknown; headers: Headers }>;
  /**
   * GET with the read key (or the one given; null for none). Like `send`, checks the answer's
   * status and body against the OpenAPI document when the path is a documented route.
   */
  get(path: string, key?: string | null): Promise<{ status: number; body: unknown }>;
  stop(): Promise<void>;
}

export interface PipelineOptions {
  natsUrl: string;
  clickhouseUrl: string;
  roles?: readonly Role[];
  /** Extra environment (PLAYPULSE_* settings) for loadConfig. */
  env?: Record<string, string>;
  /** Reuse the namespace of an earlier pipeline (same stream, consumers, tables). */
  ns?: string;
}

/** `Pipeline.send`: POST /v1/events, the answer checked against the OpenAPI document. */
async function sendEvents(
  baseUrl: string,
  key: string | null,
  body: unknown,
  init: { contentType?: string; headers?: Record<string, string> },
) {
  const headers: Record<string, string> = { "content-type": init.contentType ?? "application/json", ...init.headers };
  if (key !== null) headers.authorization = `Bearer ${key}`;
  const res = await fetch(`${baseUrl}/v1/events`, {
    method: "POST",
    headers,
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON; keep the text
  }
  expectAnswerMatchesOpenApi("POST", "/v1/events", res.status, parsed);
  return { status: res.status, body: parsed, headers: res.headers };
}

/**
 * Starts the given roles (all by default) in this process against real servers, isolated
 * by a unique namespace, on a free HTTP port. In the integration-bun and integration-deno test
 * projects the edge roles (ingest, query) run in a Bun or Deno process instead, and `baseUrl` is
 * theirs; the consumers stay in this process.
 *
 * @example
 * await using p = await startPipeline({ natsUrl: inject("natsUrl"), clickhouseUrl: inject("clickhouseUrl") });
 * const r = await p.send([{ type: "user.video.paused", ... }]);
 */
export async function startPipeline(opts: PipelineOptions): Promise<Pipeline> {
  const ns = opts.ns ?? uniqueNamespace("t");
  const writeKey = `wk_${ns}`;
  const readKey = `rk_${ns}`;
  const env = namespaceEnv(ns, opts, {
    PLAYPULSE_HTTP_PORT: "0",
    PLAYPULSE_WRITE_KEYS: writeKey,
    PLAYPULSE_READ_KEYS: readKey,
    PLAYPULSE_LOG_LEVEL: "error",
    PLAYPULSE_STREAM_MAX_BYTES: String(256 * 1024 * 1024),
    PLAYPULSE_FLUSH_INTERVAL_MS: "200",
    OTEL_SDK_DISABLED: "true",
    ...ONE_MESSAGE_PER_EVENT,
    ...opts.env,
  });
  const roles = opts.roles ?? ROLES;
  const config = loadConfig(env, roles);
  const logger = createLogger(config.logLevel, { test: ns });
  const runtime = edgeRuntime();
  const edgeRoles = runtime === "node" ? [] : roles.filter((r) => EDGE_ROLES.includes(r));
  const localRoles = roles.filter((r) => !edgeRoles.includes(r));
  // spawnRole waits for the "playpulse started" info line. One after the other: each provisions the stream, consumers and tables it needs.
  const edge =
    edgeRoles.length > 0
      ? await spawnRole(edgeRoles, { env: { ...env, PLAYPULSE_LOG_LEVEL: "info" }, runtime, name: `${runtime}-edge` })
      : undefined;
  const running = localRoles.length > 0 ? await startRoles(config, localRoles, logger) : undefined;
  const baseUrl = edge?.baseUrl ?? `http://127.0.0.1:${running?.port}`;
  const store = createStore({ url: opts.clickhouseUrl, database: `pp_${ns}` });
  let stopped = false;

  async function stop(): Promise<void> {
    if (stopped) return;
    stopped = true;
    const code = await edge?.stop("SIGTERM", 20_000);
    await running?.stop();
    await store.close();
    if (code !== undefined && code !== 0) throw new Error(`${runtime} edge exited ${code}\n${edge?.tail()}`);
  }

  return {
    baseUrl,
    writeKey,
    readKey,
    ns,
    config,
    env,
    running,
    edge,
    store,
    send: (body, init = {}) => sendEvents(baseUrl, init.key === undefined ? writeKey : init.key, body, init),
    async get(path, key) {
      const k = key === undefined ? readKey : key;
      const res = await fetch(`${baseUrl}${path}`, { headers: k === null ? {} : { authorization: `Bearer ${k}` } });
      const body: unknown = await res.json();
      expectAnswerMatchesOpenApi("GET", path, res.status, body);
      return { status: res.status, body };
    },
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
