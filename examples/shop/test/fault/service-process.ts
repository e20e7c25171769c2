import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { systemPath } from "../../../../src/config.ts";
import { waitFor } from "../../../../src/local-servers/index.ts";

const REPO_ROOT = fileURLToPath(new URL("../../../..", import.meta.url));

export interface ServiceProcess {
  pid: number;
  /** The parsed JSON log lines so far whose `msg` is `msg`. */
  logged(msg: string): Record<string, unknown>[];
  /** SIGKILL (`kill -9`), then waits for the exit; resolves with the signal that ended it. */
  kill9(): Promise<NodeJS.Signals | null>;
  /** SIGTERM (a clean stop), then waits for the exit. */
  stop(): Promise<number | null>;
}

/**
 * Runs `examples/shop/main.ts serve <args>` as its own OS process, resolved once it logged
 * "shop started", so a test can `kill -9` one service while the others run on.
 *
 * @example
 * const payment = await spawnService(["--nats", url, "--services", "payment"]);
 * await payment.kill9();
 */
export async function spawnService(args: readonly string[]): Promise<ServiceProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", "examples/shop/main.ts", "serve", ...args], {
    cwd: REPO_ROOT,
    env: { PATH: systemPath() },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error("spawnService: could not spawn");
  const lines: Record<string, unknown>[] = [];
  let partial = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    const parts = (partial + chunk).split("\n");
    partial = parts.pop() ?? "";
    for (const p of parts) if (p.startsWith("{")) lines.push(JSON.parse(p) as Record<string, unknown>);
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("close", (code, signal) => resolve({ code, signal })),
  );
  const gone = new AbortController();
  void exited.then(() => gone.abort(new Error(`shop ${args.join(" ")} exited: ${stderr}`)));
  const orphan = () => child.kill("SIGKILL");
  process.once("exit", orphan);
  void exited.then(() => process.off("exit", orphan));
  const logged = (msg: string) => lines.filter((l) => l["msg"] === msg);
  await waitFor(() => logged("shop started").length > 0, {
    timeoutMs: 90_000, // tsx compiles the service on start: slow on a loaded machine (CI saw > 30 s)
    what: `shop ${args.join(" ")} to start`,
    signal: gone.signal,
  });
  return {
    pid,
    logged,
    async kill9() {
      child.kill("SIGKILL");
      return (await exited).signal;
    },
    async stop() {
      child.kill("SIGTERM");
      return (await exited).code;
    },
  };
}
