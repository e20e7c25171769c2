import type { ChildProcessByStdio } from "node:child_process";
import type { Readable } from "node:stream";

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** One pino log line of a role process, or `{ msg: <the raw text> }` for a line that is not JSON. */
export interface LogLine {
  msg?: string;
  level?: number;
  [key: string]: unknown;
}

export interface WaitForLogOptions {
  timeoutMs: number;
  from?: number;
  what: string;
}

/** What a role process wrote, line by line, and waiting for a line (roles.ts). */
export interface LogBook {
  raw: string[];
  parsed: LogLine[];
  tail: (n?: number) => string;
  waitForLog: (match: (line: LogLine) => boolean, w: WaitForLogOptions) => Promise<LogLine>;
  /** Resolves with the exit status once the process exited and its pipes gave their last bytes. */
  exited: Promise<ExitStatus>;
  status: () => ExitStatus | undefined;
}

function parseLine(line: string): LogLine {
  if (line.startsWith("{")) {
    try {
      const parsed: unknown = JSON.parse(line);
      if (typeof parsed === "object" && parsed !== null) return parsed as LogLine;
    } catch {
      // not JSON; fall through
    }
  }
  return { msg: line };
}

export function describeExit(s: ExitStatus | undefined): string {
  if (s === undefined) return "still running";
  return s.signal !== null ? `signal ${s.signal}` : `code ${s.code}`;
}

/**
 * Keeps the stdout and stderr lines of `child` in memory (parsed as JSON where they are) and
 * tells waiters of each new line and of the exit.
 *
 * @example
 * const book = recordLogs("ingest", child, () => children.delete(child));
 * await book.waitForLog((l) => l.msg === "playpulse started", { timeoutMs: 60_000, what: "the start" });
 */
export function recordLogs(
  name: string,
  child: ChildProcessByStdio<null, Readable, Readable>,
  onClose: () => void,
): LogBook {
  const raw: string[] = [];
  const parsed: LogLine[] = [];
  const watchers = new Set<(index: number) => void>();
  const partial = { stdout: "", stderr: "" };
  const onText = (stream: "stdout" | "stderr", chunk: string) => {
    const text = partial[stream] + chunk;
    const parts = text.split("\n");
    partial[stream] = parts.pop() ?? "";
    for (const line of parts) {
      if (line === "") continue;
      raw.push(line);
      parsed.push(parseLine(line));
      for (const w of watchers) w(raw.length - 1);
    }
  };
  // Decoded by the stream, so a character split across two chunks stays whole.
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => onText("stdout", chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => onText("stderr", chunk));

  let status: ExitStatus | undefined;
  const exited = new Promise<ExitStatus>((resolve) => {
    // "close" comes after "exit" and after the pipes gave their last bytes.
    child.once("close", (code, signal) => {
      onClose();
      status = { code, signal };
      for (const w of watchers) w(-1);
      resolve({ code, signal });
    });
  });
  const tail = (n = 30) => raw.slice(-n).join("\n");

  function waitForLog(match: (line: LogLine) => boolean, w: WaitForLogOptions): Promise<LogLine> {
    const from = w.from ?? 0;
    for (let i = from; i < parsed.length; i++) {
      const line = parsed[i];
      if (line && match(line)) return Promise.resolve(line);
    }
    return new Promise<LogLine>((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        watchers.delete(watcher);
      };
      const watcher = (index: number) => {
        if (index === -1) {
          done();
          reject(new Error(`${name} exited (${describeExit(status)}) before logging ${w.what}\n${tail()}`));
          return;
        }
        const line = parsed[index];
        if (index >= from && line && match(line)) {
          done();
          resolve(line);
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`${name} did not log ${w.what} within ${w.timeoutMs} ms\n${tail()}`));
      }, w.timeoutMs);
      watchers.add(watcher);
      if (status !== undefined) watcher(-1);
    });
  }

  return { raw, parsed, tail, waitForLog, exited, status: () => status };
}
