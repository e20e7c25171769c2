import { copyFile, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createManagedProcess, makeTempDir, removeDir, resolveBinary } from "./managed-process.ts";
import { serverControls, type ServerControls } from "./server-handle.ts";
import { uniqueNamespace } from "./names.ts";
import { freePorts, pickPort, retryOnPortClash } from "./ports.ts";
import { waitFor } from "./wait.ts";

export interface StartClickHouseOptions {
  /** The server's data `<path>`; a fresh one in the temp dir unless told. Kept on dispose if given. */
  dataDir?: string;
  /** HTTP port; a free one unless told. The native TCP port is always a free one. */
  httpPort?: number;
  /** HTTP port to take when it can be bound, else a free one; picked again on each try (not with `httpPort`). */
  preferHttpPort?: number;
  /** An extra users file (users.d/), e.g. k8s/base/clickhouse/users.xml, and the environment its `from_env` reads. */
  users?: { file: string; env: Readonly<Record<string, string>> };
}

export interface ClickHouseServerHandle extends ServerControls {
  /** `http://127.0.0.1:<httpPort>`, user `default`, no password. */
  url: string;
  httpPort: number;
  dataDir: string;
}

/**
 * Starts a clickhouse-server from a minimal config written to a temp dir, ready when
 * `SELECT 1` answers over HTTP. Output goes to `clickhouse-server.log` in that dir, removed on
 * dispose along with the default data dir.
 *
 * @example
 * await using ch = await startClickHouse();
 * const client = createClient({ url: ch.url });
 */
export async function startClickHouse(opts: StartClickHouseOptions = {}): Promise<ClickHouseServerHandle> {
  // The second port is always a free one, so a clash is worth another try even when the first is pinned.
  return retryOnPortClash(() => startClickHouseOnce(opts));
}

async function startClickHouseOnce(opts: StartClickHouseOptions): Promise<ClickHouseServerHandle> {
  const command = resolveBinary("clickhouse-server");
  const runDir = await makeTempDir("clickhouse");
  try {
    const [freeHttpPort, tcpPort] = await freePorts(2);
    const httpPort =
      opts.httpPort ?? (opts.preferHttpPort === undefined ? freeHttpPort : await pickPort(opts.preferHttpPort));
    if (httpPort === undefined || tcpPort === undefined) throw new Error("startClickHouse: no free ports");
    const dataDir = opts.dataDir ?? join(runDir, "data");
    const configFile = join(runDir, "config.xml");
    const displayName = uniqueNamespace("playpulse");
    await writeConfig({ runDir, dataDir, configFile, displayName, httpPort, tcpPort });
    if (opts.users) {
      await mkdir(join(runDir, "users.d"));
      await copyFile(opts.users.file, join(runDir, "users.d", "extra.xml"));
    }
    const url = `http://127.0.0.1:${httpPort}`;
    const proc = createManagedProcess({
      name: `clickhouse-server :${httpPort}`,
      command,
      args: [`--config-file=${configFile}`],
      cwd: runDir,
      logFile: join(runDir, "clickhouse-server.log"),
      ...(opts.users ? { env: opts.users.env } : {}),
      ready: (signal) =>
        waitFor(() => probeSelectOne(url, displayName), {
          timeoutMs: 30_000,
          what: `clickhouse-server SELECT 1 at ${url}`,
          signal,
        }),
    });
    await proc.start();

    return {
      url,
      httpPort,
      dataDir,
      ...serverControls(proc, runDir),
    };
  } catch (error: unknown) {
    await removeDir(runDir);
    throw error;
  }
}

interface ServerConfig {
  runDir: string;
  dataDir: string;
  configFile: string;
  /** Sent back in X-ClickHouse-Server-Display-Name, so a probe knows it reached this server. */
  displayName: string;
  httpPort: number;
  tcpPort: number;
}

/**
 * The smallest config ClickHouse 18.16 starts from; no interserver port, so instances never clash.
 * keep_alive_timeout is 3 s (today's ClickHouse default; 18.16 has 10 s) because a graceful stop
 * waits for idle keep-alive connections to close, whatever shutdown_wait_unfinished says.
 */
async function writeConfig(config: ServerConfig): Promise<void> {
  const { runDir, dataDir, configFile, displayName, httpPort, tcpPort } = config;
  const dir = (name: string): string => escapeXml(`${join(runDir, name)}/`);
  await Promise.all(["tmp", "user_files", "format_schemas"].map((name) => mkdir(join(runDir, name))));
  await mkdir(dataDir, { recursive: true });
  await writeFile(
    configFile,
    `<yandex>
  <logger><level>warning</level><console>1</console></logger>
  <display_name>${displayName}</display_name>
  <http_port>${httpPort}</http_port>
  <tcp_port>${tcpPort}</tcp_port>
  <listen_host>127.0.0.1</listen_host>
  <path>${escapeXml(`${dataDir}/`)}</path>
  <tmp_path>${dir("tmp")}</tmp_path>
  <user_files_path>${dir("user_files")}</user_files_path>
  <format_schema_path>${dir("format_schemas")}</format_schema_path>
  <users_config>users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <mark_cache_size>536870912</mark_cache_size>
  <max_concurrent_queries>100</max_concurrent_queries>
  <keep_alive_timeout>3</keep_alive_timeout>
</yandex>
`,
  );
  await writeFile(
    join(runDir, "users.xml"),
    `<yandex>
  <profiles><default></default></profiles>
  <users>
    <default>
      <password></password>
      <networks><ip>::/0</ip></networks>
      <profile>default</profile>
      <quota>default</quota>
    </default>
  </users>
  <quotas><default></default></quotas>
</yandex>
`,
  );
}

/** True once `url` answers `SELECT 1` as the server named `displayName`, not another one on that port. */
async function probeSelectOne(url: string, displayName: string): Promise<true> {
  // Connection: close, because an idle keep-alive socket holds up the server's graceful stop.
  const response = await fetch(`${url}/?query=SELECT%201`, {
    headers: { connection: "close" },
    signal: AbortSignal.timeout(1_000),
  });
  const body = await response.text();
  const answeredBy = response.headers.get("x-clickhouse-server-display-name");
  if (answeredBy !== displayName) throw new Error(`${url} is served by ${answeredBy ?? "an unnamed server"}`);
  if (response.status === 200 && body.trim() === "1") return true;
  throw new Error(`HTTP ${response.status}: ${body.trim().slice(0, 200)}`);
}

function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}
