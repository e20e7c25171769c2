import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { setTimeout as delay } from "node:timers/promises";
import { createManagedProcess, waitFor } from "../local-servers/index.ts";
import { atNice, nodeHeapFlag, WORKER_NICE, WORKER_ROLES } from "../roles/index.ts";

/** The worker roles' process under `playpulse up`. */
export interface Workers {
  /** Its HTTP port: /healthz, /readyz and /metrics of the worker roles. */
  port: number;
  logFile: string;
  pid(): number | undefined;
  /** Stops it gracefully (flush, ack, close); rejects when it did not end cleanly. */
  stop(): Promise<void>;
}

export interface StartWorkersOptions {
  /** The environment the in-process roles were configured from; the port is replaced. */
  env: Readonly<Record<string, string | undefined>>;
  port: number;
  dataDir: string;
  say: (line: string) => void;
}

/**
 * The CLI to run `playpulse serve` with: the launcher in a checkout or a package (tsx for the
 * sources, else the build), else the build's entry beside this file (the Docker image has no bin/).
 */
function cliArgs(): string[] {
  const here = dirname(fileURLToPath(import.meta.url));
  const launcher = join(here, "..", "..", "bin", "playpulse");
  return [existsSync(launcher) ? launcher : join(here, "main.js")];
}

/**
 * Runs the worker roles (the consumers and evaluations) as `playpulse serve <roles>` in a process
 * of their own, as Kubernetes runs them, so their batch work (decoding, rows, inserts) runs beside
 * the edge instead of stalling its event loop between requests (docs/benchmarks.md#playpulse-up),
 * at nice 10 (`WORKER_NICE`), so it waits while the edge wants a core.
 * Output goes to `dataDir/workers.log`. A process that exits while `up` runs is started again after
 * a second, and `up` says so; `stop()` ends it with SIGTERM (SIGKILL after 30 s).
 *
 * @example
 * const workers = await startWorkers({ env, port: await pickPort(8081), dataDir, say });
 * started.push("worker roles", () => workers.stop());
 */
export async function startWorkers(opts: StartWorkersOptions): Promise<Workers> {
  const logFile = join(opts.dataDir, "workers.log");
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(opts.env)) if (v !== undefined) env[k] = v;
  env.PLAYPULSE_HTTP_PORT = String(opts.port);
  let stopping = false;
  let supervising = false; // not before the first start succeeded: a failed start is up's to report
  let last: { code: number | null; signal: NodeJS.Signals | null } = { code: null, signal: null };
  const proc = createManagedProcess({
    name: `worker roles (${WORKER_ROLES.join(", ")})`,
    // The heap limit Kubernetes gives the worker roles (src/roles/heap.ts), at a lower priority
    // than the edge in this process (src/roles/priority.ts).
    ...atNice(
      { command: process.execPath, args: [nodeHeapFlag(WORKER_ROLES), ...cliArgs(), "serve", ...WORKER_ROLES] },
      WORKER_NICE,
    ),
    cwd: process.cwd(),
    logFile,
    env,
    stopTimeoutMs: 30_000,
    ready: (signal) =>
      waitFor(
        async () => (await fetch(`http://127.0.0.1:${opts.port}/readyz`, { signal: AbortSignal.timeout(1_000) })).ok,
        { timeoutMs: 120_000, what: `the worker roles' /readyz on port ${opts.port}`, signal },
      ),
    onExit: (code, signal) => {
      last = { code, signal };
      if (supervising && !stopping) void restart();
    },
  });
  const restart = async (): Promise<void> => {
    opts.say(`  worker roles exited (${last.signal ?? `code ${last.code}`}); starting them again (log: ${logFile})`);
    await proc.stop(); // forgets the exited process
    await delay(1_000);
    if (stopping) return;
    await proc.start().then(
      () => opts.say(`  worker roles running again: pid ${proc.pid() ?? "?"}`),
      (err: unknown) => opts.say(`  worker roles did not start again: ${String(err)}`),
    );
  };
  await proc.start();
  supervising = true;
  return {
    port: opts.port,
    logFile,
    pid: () => proc.pid(),
    async stop() {
      stopping = true;
      if (proc.pid() === undefined) return;
      await proc.stop();
      if (last.code !== 0) throw new Error(`exited with ${last.signal ?? `code ${last.code}`}; see ${logFile}`);
    },
  };
}
