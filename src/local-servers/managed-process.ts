import { processEnv, systemPath } from "../config.ts";
import { spawn, type ChildProcess } from "node:child_process";
import { accessSync, constants, closeSync, openSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";

/**
 * The lifecycle shared by the nats-server and clickhouse-server helpers: spawn with output in a
 * log file, wait until ready (failing fast, with the log tail, if the process dies), stop and wait
 * for the exit, SIGKILL, SIGSTOP/SIGCONT.
 */
export interface ManagedProcess {
  pid: () => number | undefined;
  start: () => Promise<void>;
  stop: (signal?: NodeJS.Signals) => Promise<void>;
  kill9: () => Promise<void>;
  pause: () => void;
  resume: () => void;
}

export interface ManagedProcessOptions {
  /** For messages: "nats-server". */
  name: string;
  /** Absolute path, see {@link resolveBinary}. */
  command: string;
  args: readonly string[];
  cwd: string;
  /** stdout and stderr are appended here, across restarts. */
  logFile: string;
  /** Resolves when the process serves; rejects when `signal` aborts (the process exited). */
  ready: (signal: AbortSignal) => Promise<unknown>;
  /** How long `stop()` waits before it falls back to SIGKILL. */
  stopTimeoutMs?: number;
  /** Variables added to the inherited environment (ClickHouse's `from_env` passwords). */
  env?: Readonly<Record<string, string>>;
  /** Called when the process exits, however it ends: its exit code, or the signal that ended it. */
  onExit?: (code: number | null, signal: NodeJS.Signals | null) => void;
}

interface Running {
  child: ChildProcess;
  exited: Promise<void>;
}

/** Children still alive, SIGKILLed if this process exits without disposing of them. */
const live = new Set<ChildProcess>();
let exitHookInstalled = false;

/** @example const proc = createManagedProcess({ name, command, args, cwd, logFile, ready }); await proc.start(); */
export function createManagedProcess(opts: ManagedProcessOptions): ManagedProcess {
  const { name, stopTimeoutMs = 15_000 } = opts;
  let running: Running | undefined;

  async function start(): Promise<void> {
    if (running !== undefined) throw new Error(`${name} is already running (pid ${running.child.pid})`);
    installExitHook();
    const child = spawnLogged(opts);
    const gone = new AbortController();
    const exited = watchExit(child, gone, opts.onExit);
    live.add(child);
    running = { child, exited };
    try {
      await opts.ready(gone.signal);
    } catch (error: unknown) {
      await kill9();
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(`${name} did not start: ${reason}\n${await logTail(opts.logFile)}`, { cause: error });
    }
  }

  async function stop(signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
    const current = running;
    if (current === undefined) return;
    // A stopped (SIGSTOP) process only acts on SIGTERM once continued.
    current.child.kill("SIGCONT");
    current.child.kill(signal);
    const timer = new AbortController();
    const timedOut = await Promise.race([
      current.exited.then(() => false),
      delay(stopTimeoutMs, true, { signal: timer.signal }).catch(() => false),
    ]);
    timer.abort();
    if (timedOut) {
      current.child.kill("SIGKILL");
      await current.exited;
    }
    running = undefined;
  }

  function kill9(): Promise<void> {
    return stop("SIGKILL");
  }

  function pause(): void {
    running?.child.kill("SIGSTOP");
  }

  function resume(): void {
    running?.child.kill("SIGCONT");
  }

  function pid(): number | undefined {
    const child = running?.child;
    return child !== undefined && live.has(child) ? child.pid : undefined;
  }

  return { pid, start, stop, kill9, pause, resume };
}

/** Spawns the server in its own process group, its output appended to its log file. */
function spawnLogged(opts: ManagedProcessOptions): ChildProcess {
  const log = openSync(opts.logFile, "a");
  try {
    // Own process group: a Ctrl-C meant for `playpulse up` must not reach the servers before the roles stop.
    return spawn(opts.command, opts.args, {
      cwd: opts.cwd,
      stdio: ["ignore", log, log],
      detached: true,
      ...(opts.env ? { env: { ...processEnv(), ...opts.env } } : {}),
    });
  } finally {
    closeSync(log);
  }
}

/** Resolves when `child` exits or fails to spawn; aborts `gone` with the reason, for a start-up still waiting. */
function watchExit(child: ChildProcess, gone: AbortController, onExit: ManagedProcessOptions["onExit"]): Promise<void> {
  return new Promise<void>((resolve) => {
    child.once("exit", (code, signal) => {
      live.delete(child);
      gone.abort(new Error(`exited during start-up (${signal ?? `code ${code}`})`));
      resolve();
      onExit?.(code, signal);
    });
    child.once("error", (error) => {
      live.delete(child);
      gone.abort(new Error(`could not be spawned: ${error.message}`, { cause: error }));
      resolve();
    });
  });
}

/**
 * Finds an executable on PATH, then in /usr/sbin and /usr/bin (Debian puts the servers in
 * /usr/sbin, which is not on every user's PATH).
 */
export function resolveBinary(name: string, path = systemPath()): string {
  const dirs = [...path.split(delimiter).filter((dir) => dir !== ""), "/usr/sbin", "/usr/bin"];
  for (const dir of dirs) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here; keep looking
    }
  }
  throw new Error(`${name} not found on PATH, in /usr/sbin or in /usr/bin; run \`bash scripts/bootstrap.sh\``);
}

/** A fresh directory under os.tmpdir(), named `playpulse-<prefix>-XXXXXX`. */
export function makeTempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `playpulse-${prefix}-`));
}

export function removeDir(dir: string): Promise<void> {
  return rm(dir, { recursive: true, force: true });
}

async function logTail(logFile: string, lines = 40): Promise<string> {
  const text = await readFile(logFile, "utf8").catch((error: unknown) => `(no log: ${String(error)})`);
  const tail = text.trimEnd().split("\n").slice(-lines).join("\n");
  return `--- last ${lines} lines of ${logFile} ---\n${tail}`;
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once("exit", () => {
    for (const child of live) child.kill("SIGKILL");
  });
}
