import { spawn, type ChildProcess } from "node:child_process";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { systemPath } from "../../src/config.ts";
import { runtimeHeapEnv, type Role } from "../../src/roles/index.ts";
import { findRuntime, serveArgs, type RuntimeName } from "../../src/http/runtimes.ts";
import { recordLogs, type ExitStatus, type LogBook, type LogLine } from "./role-logs.ts";

export type { ExitStatus, LogLine } from "./role-logs.ts";

/** The repository root: `src/cli/main.ts` is resolved from here and `tsx` from its node_modules. */
const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));

export interface RoleProcess extends AsyncDisposable {
  /** For messages: "consumer-a (analytics,recommendations,content)". */
  name: string;
  roles: readonly Role[];
  pid: number;
  /** The HTTP port the process reported in its "playpulse started" line. */
  port: number;
  baseUrl: string;
  /** Every line written to stdout and stderr so far, in order. */
  lines(): readonly string[];
  /** Parsed log lines from index `from` on (see `lines().length`). */
  logs(from?: number): LogLine[];
  /** The last `n` lines as one string, for failure messages. */
  tail(n?: number): string;
  /**
   * Resolves with the first line at index >= `from` for which `match` is true, as soon as it is
   * written; rejects after `timeoutMs`, or when the process exits first.
   */
  waitForLog(
    match: (line: LogLine) => boolean,
    opts: { timeoutMs: number; from?: number; what: string },
  ): Promise<LogLine>;
  /** Resolves once the process has exited. */
  exited: Promise<ExitStatus>;
  /** Current status, undefined while it runs. */
  exitStatus(): ExitStatus | undefined;
  /** SIGKILL, then waits for the exit. */
  kill9(): Promise<ExitStatus>;
  /**
   * Sends `signal` (SIGTERM unless told; SIGCONT first, in case it is paused) and resolves with
   * the exit code; rejects (with the log tail) when the process is still running after `timeoutMs`.
   */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number | null>;
  /** SIGSTOP: the process keeps its sockets but runs nothing. */
  pause(): void;
  /** SIGCONT */
  resume(): void;
  /** Resident set size in kB from /proc/<pid>/status (VmRSS), undefined once exited. */
  rssKb(): Promise<number | undefined>;
}

export interface SpawnRoleOptions {
  /** The whole environment of the child, except PATH (added). loadConfig reads it. */
  env: Record<string, string>;
  /** Label for messages; the roles joined by "+" unless told. */
  name?: string;
  /** How long to wait for "playpulse started". */
  startTimeoutMs?: number;
  /** The runtime of the process (node unless told): Bun and Deno as `playpulse serve --runtime` runs them. */
  runtime?: RuntimeName;
}

const children = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once("exit", () => {
    for (const child of children) child.kill("SIGKILL");
  });
}

function commandFor(runtime: RuntimeName, roles: readonly Role[]): { command: string; args: string[]; env: object } {
  if (runtime === "node")
    return { command: process.execPath, args: ["--import", "tsx", "src/cli/main.ts", "serve", ...roles], env: {} };
  const rt = findRuntime(runtime);
  if (!rt) throw new Error(`${runtime} is not installed under node_modules; run npm ci`);
  // As `playpulse serve --runtime deno` starts it: with the Deno image's heap limit.
  return { command: rt.command, args: serveArgs(rt, roles), env: { ...runtimeHeapEnv(runtime), ...rt.env } };
}

/**
 * Runs `playpulse serve <roles...>` as its own OS process (`node --import tsx src/cli/main.ts`,
 * or Bun or Deno with `runtime`),
 * so a test can SIGKILL, SIGTERM, SIGSTOP and SIGCONT it like an orchestrator would. Resolves
 * once the process logged "playpulse started"; its output is kept in memory line by line.
 *
 * @example
 * await using consumer = await spawnRole(["analytics"], { env: { NATS_URL, CLICKHOUSE_URL } });
 * await consumer.waitForLog((l) => l.phase === "stored", { timeoutMs: 10_000, what: "a stored batch" });
 * await consumer.kill9();
 */
export async function spawnRole(roles: readonly Role[], opts: SpawnRoleOptions): Promise<RoleProcess> {
  installExitHook();
  const name = opts.name ?? roles.join("+");
  const how = commandFor(opts.runtime ?? "node", roles);
  const child = spawn(how.command, how.args, {
    cwd: REPO_ROOT,
    env: { PATH: systemPath(), ...how.env, ...opts.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.add(child);
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${name}: could not be spawned`);

  const book = recordLogs(name, child, () => children.delete(child));
  const { raw, parsed, tail, waitForLog, exited } = book;
  const control = processControl(name, child, book);

  let started: LogLine;
  try {
    started = await waitForLog((l) => l.msg === "playpulse started", {
      timeoutMs: opts.startTimeoutMs ?? 60_000,
      what: '"playpulse started"',
    });
  } catch (err: unknown) {
    await control.kill9();
    throw err;
  }
  const port = typeof started.port === "number" ? started.port : Number.NaN;

  return {
    name,
    roles,
    pid,
    port,
    baseUrl: `http://127.0.0.1:${port}`,
    lines: () => raw,
    logs: (from = 0) => parsed.slice(from),
    tail,
    waitForLog,
    exited,
    exitStatus: book.status,
    ...control,
    async [Symbol.asyncDispose]() {
      if (book.status() !== undefined) return;
      await control.stop("SIGTERM", 15_000).catch(() => control.kill9());
    },
  };
}

/** Signals to a role process: stop (with a deadline), SIGKILL, SIGSTOP/SIGCONT, and its memory. */
function processControl(
  name: string,
  child: ChildProcess,
  book: LogBook,
): Pick<RoleProcess, "stop" | "kill9" | "pause" | "resume" | "rssKb"> {
  const pid = child.pid;
  async function stop(signal: NodeJS.Signals = "SIGTERM", timeoutMs = 60_000): Promise<number | null> {
    if (book.status() === undefined) {
      child.kill("SIGCONT");
      child.kill(signal);
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`${name} still running ${timeoutMs} ms after ${signal}\n${book.tail()}`)),
        timeoutMs,
      );
    });
    try {
      return (await Promise.race([book.exited, late])).code;
    } finally {
      clearTimeout(timer);
    }
  }

  async function kill9(): Promise<ExitStatus> {
    if (book.status() === undefined) child.kill("SIGKILL");
    return book.exited;
  }

  async function rssKb(): Promise<number | undefined> {
    if (book.status() !== undefined) return undefined;
    const text = await readFile(`/proc/${pid}/status`, "utf8").catch(() => "");
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(text);
    return m?.[1] === undefined ? undefined : Number(m[1]);
  }

  return {
    stop,
    kill9,
    rssKb,
    pause: () => {
      if (book.status() === undefined) child.kill("SIGSTOP");
    },
    resume: () => {
      if (book.status() === undefined) child.kill("SIGCONT");
    },
  };
}
