import { spawn, type ChildProcess } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { systemPath } from "../../src/config.ts";
import { REPO_ROOT } from "../../src/http/runtimes.ts";

/** Clock ticks per second of /proc/<pid>/stat times; 100 on every Linux this runs on. */
const CLK_TCK = 100;

export interface Child {
  name: string;
  proc: ChildProcess;
  pid: number;
  /** Everything written to stdout so far. */
  stdout(): string;
  stderr(): string;
  exited: Promise<number | null>;
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<number | null>;
}

/** A minimal environment for children: nothing of this process's environment leaks in. */
export function childEnv(extra: Record<string, string>): Record<string, string> {
  return { PATH: systemPath(), HOME: homedir(), ...extra };
}

export function startChild(name: string, command: string, args: readonly string[], env: Record<string, string>): Child {
  const proc = spawn(command, args, { cwd: REPO_ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  proc.stdout?.setEncoding("utf8").on("data", (d: string) => (out += d));
  proc.stderr?.setEncoding("utf8").on("data", (d: string) => (err = (err + d).slice(-20_000)));
  const exited = new Promise<number | null>((resolve) => {
    proc.once("exit", (code) => resolve(code));
    proc.once("error", () => resolve(-1));
  });
  if (proc.pid === undefined) throw new Error(`${name}: could not spawn ${command}`);
  return {
    name,
    proc,
    pid: proc.pid,
    stdout: () => out,
    stderr: () => err,
    exited,
    async stop(graceMs = 15_000) {
      if (proc.exitCode !== null || proc.signalCode !== null) return proc.exitCode;
      proc.kill("SIGTERM");
      const timer = setTimeout(() => proc.kill("SIGKILL"), graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** Waits for `GET url` to answer 200, failing early (with the child's stderr) if it exits. */
export async function waitReady(child: Child, url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void child.exited.then(() => (exited = true));
  while (Date.now() < deadline) {
    if (exited)
      throw new Error(
        `${child.name} exited during start-up:\n${child.stderr().slice(-3000)}\n${child.stdout().slice(-2000)}`,
      );
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      if (res.status === 200) return;
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${child.name} not ready at ${url} within ${timeoutMs} ms:\n${child.stderr().slice(-3000)}`);
}

/** Waits for a line of `child`'s stdout that matches `re`, failing early when it exits. */
export async function stdoutLine(child: Child, re: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void child.exited.then(() => (exited = true));
  for (;;) {
    const m = re.exec(child.stdout());
    if (m) return m;
    if (exited || Date.now() > deadline)
      throw new Error(
        `${child.name}: no ${re.source} on stdout (${exited ? "exited" : "timed out"}): ${child.stderr().slice(-1500)}`,
      );
    await new Promise((r) => setTimeout(r, 100));
  }
}

function cpuTicks(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return Number(fields[11]) + Number(fields[12]); // utime + stime (fields 14 and 15)
  } catch {
    return undefined;
  }
}

function rssBytes(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m?.[1] ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

export interface ProcUsage {
  name: string;
  /** Average CPU over the window, in % of one core. */
  cpuPct: number;
  peakRssMb: number;
}

/**
 * Samples CPU time and RSS of named processes from /proc every 200 ms between `start()`
 * and `stop()`: CPU is the share of one core used over the window, RSS the highest seen.
 */
export class ProcWatch {
  private readonly first = new Map<string, number>();
  /** The last CPU reading, so a process that exits before `stop()` is still accounted. */
  private readonly last = new Map<string, number>();
  private readonly peak = new Map<string, number>();
  private t0 = 0;
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly pids: Record<string, number | undefined>) {}

  start(): void {
    this.t0 = performance.now();
    for (const [name, pid] of Object.entries(this.pids)) {
      if (pid === undefined) continue;
      const t = cpuTicks(pid);
      if (t !== undefined) this.first.set(name, t);
    }
    this.sample();
    this.timer = setInterval(() => this.sample(), 200);
  }

  private sample(): void {
    for (const [name, pid] of Object.entries(this.pids)) {
      if (pid === undefined) continue;
      const rss = rssBytes(pid);
      if (rss !== undefined) this.peak.set(name, Math.max(this.peak.get(name) ?? 0, rss));
      const t = cpuTicks(pid);
      if (t !== undefined) this.last.set(name, t);
    }
  }

  stop(): ProcUsage[] {
    clearInterval(this.timer);
    this.sample();
    const secs = (performance.now() - this.t0) / 1000;
    const out: ProcUsage[] = [];
    for (const [name, pid] of Object.entries(this.pids)) {
      if (pid === undefined) continue;
      const a = this.first.get(name);
      const b = cpuTicks(pid) ?? this.last.get(name);
      const cpuPct = a !== undefined && b !== undefined ? ((b - a) / CLK_TCK / secs) * 100 : 0;
      out.push({ name, cpuPct: Math.round(cpuPct), peakRssMb: Math.round((this.peak.get(name) ?? 0) / 1024 / 1024) });
    }
    return out;
  }
}

/** Pids of the processes whose command line contains `text` (from /proc), this process excluded. */
export function pidsMentioning(text: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ").includes(text)) pids.push(pid);
    } catch {
      // exited while we looked
    }
  }
  return pids;
}
