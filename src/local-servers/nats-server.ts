import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createManagedProcess, makeTempDir, removeDir, resolveBinary } from "./managed-process.ts";
import { serverControls, type ServerControls } from "./server-handle.ts";
import { uniqueNamespace } from "./names.ts";
import { freePorts, pickPort, retryOnPortClash } from "./ports.ts";
import { waitFor } from "./wait.ts";

export interface StartNatsOptions {
  /** JetStream store directory; a fresh one in the temp dir unless told. Kept on dispose if given. */
  storeDir?: string;
  /** Client port; a free one unless told. */
  port?: number;
  /** Client port to take when it can be bound, else a free one; picked again on each try (not with `port`). */
  preferPort?: number;
  /** Extra nats.conf text. The command-line flags (ports, -js, -sd) win over it. */
  config?: string;
}

export interface NatsServerHandle extends ServerControls {
  /** `nats://127.0.0.1:<port>` */
  url: string;
  port: number;
  /** HTTP monitoring port: /healthz, /varz, /jsz. */
  monitorPort: number;
  /** As passed with -sd; nats-server keeps its data in `<storeDir>/jetstream`. */
  storeDir: string;
  /** The server's output (errors such as permission violations), until dispose removes it. */
  logFile: string;
}

/**
 * Starts a nats-server with JetStream on free ports, ready when the monitor's healthz says so.
 * Output goes to `nats-server.log` in a temp dir, removed on dispose along with the default store.
 *
 * @example
 * await using nats = await startNats();
 * const nc = await connect({ servers: nats.url });
 */
export async function startNats(opts: StartNatsOptions = {}): Promise<NatsServerHandle> {
  // The second port is always a free one, so a clash is worth another try even when the first is pinned.
  return retryOnPortClash(() => startNatsOnce(opts));
}

async function startNatsOnce(opts: StartNatsOptions): Promise<NatsServerHandle> {
  const command = resolveBinary("nats-server");
  const runDir = await makeTempDir("nats");
  try {
    const [freeClientPort, monitorPort] = await freePorts(2);
    const port = opts.port ?? (opts.preferPort === undefined ? freeClientPort : await pickPort(opts.preferPort));
    if (port === undefined || monitorPort === undefined) throw new Error("startNats: no free ports");
    const storeDir = opts.storeDir ?? join(runDir, "store");
    const serverName = uniqueNamespace("playpulse");
    const args = ["-js", "-sd", storeDir, "-n", serverName];
    args.push("-a", "127.0.0.1", "-p", String(port), "-m", String(monitorPort));
    if (opts.config !== undefined) {
      const confFile = join(runDir, "nats.conf");
      await writeFile(confFile, opts.config);
      args.unshift("-c", confFile);
    }
    const monitor = `http://127.0.0.1:${monitorPort}`;
    const proc = createManagedProcess({
      name: `nats-server :${port}`,
      command,
      args,
      cwd: runDir,
      logFile: join(runDir, "nats-server.log"),
      ready: (signal) =>
        waitFor(() => probeHealthz(monitor, serverName), {
          timeoutMs: 15_000,
          what: `nats-server ${monitor}/healthz?js-enabled-only=true`,
          signal,
        }),
    });
    await proc.start();

    return {
      url: `nats://127.0.0.1:${port}`,
      port,
      monitorPort,
      storeDir,
      logFile: join(runDir, "nats-server.log"),
      ...serverControls(proc, runDir),
    };
  } catch (error: unknown) {
    await removeDir(runDir);
    throw error;
  }
}

/** True once the monitor at `monitor` is the server named `serverName` and JetStream is healthy. */
async function probeHealthz(monitor: string, serverName: string): Promise<true> {
  const varz = await fetch(`${monitor}/varz`, { signal: AbortSignal.timeout(1_000) });
  const { server_name: answeredBy } = (await varz.json()) as { server_name?: string };
  if (answeredBy !== serverName) throw new Error(`${monitor} is served by ${answeredBy ?? "an unnamed server"}`);
  const response = await fetch(`${monitor}/healthz?js-enabled-only=true`, { signal: AbortSignal.timeout(1_000) });
  const body = await response.text();
  if (response.status === 200) return true;
  throw new Error(`HTTP ${response.status}: ${body}`);
}
