import { createInterface } from "node:readline/promises";
import { pino } from "pino";
import { createLogger, type Logger } from "../telemetry/logger.ts";

/** Where a command reads its environment and writes its output; tests pass their own. */
export interface CommandIo {
  env?: Record<string, string | undefined>;
  out?: (s: string) => void;
  err?: (s: string) => void;
  /** Whether stdin/stderr are a terminal (prompts, in-place progress). */
  tty?: boolean;
  /** Asks a question on the terminal (purge confirmation). */
  ask?: (question: string) => Promise<string>;
}

/** A CommandIo with every member filled in from the process (stdout, stderr, stdin). */
export interface ResolvedIo {
  env: Record<string, string | undefined> | undefined;
  out: (s: string) => void;
  err: (s: string) => void;
  tty: boolean;
  ask: (question: string) => Promise<string>;
}

async function askOnTerminal(question: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return await rl.question(question);
  } finally {
    rl.close();
  }
}

/**
 * Fills in what a test left out with the process's own streams.
 *
 * @example
 * const io = resolveIo({ out: (s) => lines.push(s) }); // stderr, tty and prompts stay the process's
 */
export function resolveIo(io: CommandIo = {}): ResolvedIo {
  return {
    env: io.env,
    out: io.out ?? ((s: string) => void process.stdout.write(s)),
    err: io.err ?? ((s: string) => void process.stderr.write(s)),
    tty: io.tty ?? (process.stdin.isTTY === true && process.stderr.isTTY === true),
    ask: io.ask ?? askOnTerminal,
  };
}

/**
 * The logger of an operator command: JSON lines on stderr, so that stdout holds only the
 * command's answer; `info` becomes `warn` so a normal run prints only its answer.
 *
 * @example
 * const bus = await connectBus(config.natsUrl, "playpulse:dlq", cliLogger(config.logLevel, "dlq"));
 */
export function cliLogger(level: string, command: string): Logger {
  return createLogger(level === "info" ? "warn" : level, { command }, { destination: pino.destination(2) });
}
