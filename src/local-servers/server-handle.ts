import { removeDir, type ManagedProcess } from "./managed-process.ts";

/** What a test or `playpulse up` can do to a server it started (nats-server, clickhouse-server). */
export interface ServerControls extends AsyncDisposable {
  pid(): number | undefined;
  /** Sends `signal` (SIGTERM unless told) and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  kill9(): Promise<void>;
  /** SIGSTOP: the process holds its sockets but answers nothing. */
  pause(): void;
  /** SIGCONT */
  resume(): void;
  /** Stops (if running) and starts again on the same ports and data. */
  restart(): Promise<void>;
}

/**
 * The controls of a started server: signals, restart on the same ports, and a dispose that
 * stops it and removes its run directory.
 *
 * @example
 * return { url, port, ...serverControls(proc, runDir) };
 */
export function serverControls(proc: ManagedProcess, runDir: string): ServerControls {
  async function restart(): Promise<void> {
    await proc.stop();
    await proc.start();
  }

  async function dispose(): Promise<void> {
    try {
      await proc.stop();
    } finally {
      await removeDir(runDir);
    }
  }

  return {
    pid: proc.pid,
    stop: proc.stop,
    kill9: proc.kill9,
    pause: proc.pause,
    resume: proc.resume,
    restart,
    [Symbol.asyncDispose]: dispose,
  };
}
