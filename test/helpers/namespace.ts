/** Where a test (or a benchmark run) finds its servers. */
export interface ServerUrls {
  natsUrl: string;
  clickhouseUrl: string;
}

/**
 * The environment block that gives a Playpulse process a namespace of its own on shared
 * servers: database `pp_<ns>`, stream `PP_<ns>`, subjects under `<ns>.`, HTTP on 127.0.0.1.
 * `extra` adds or overrides settings (keys, port, log level, limits).
 *
 * @example
 * const env = namespaceEnv(ns, { natsUrl, clickhouseUrl }, { PLAYPULSE_WRITE_KEYS: `wk_${ns}` });
 * await spawnRole(["ingest"], { env });
 */
export function namespaceEnv(
  ns: string,
  servers: ServerUrls,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    NATS_URL: servers.natsUrl,
    CLICKHOUSE_URL: servers.clickhouseUrl,
    CLICKHOUSE_DATABASE: `pp_${ns}`,
    PLAYPULSE_STREAM: `PP_${ns}`,
    PLAYPULSE_SUBJECT_PREFIX: ns,
    PLAYPULSE_HTTP_HOST: "127.0.0.1",
    ...extra,
  };
}
