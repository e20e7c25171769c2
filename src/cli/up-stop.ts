/** Progress lines of `up` go to stdout, as the rest of its output. */
const say = (line: string) => process.stdout.write(`${line}\n`);

/** The signals that stop `up`: Ctrl-C, `kill`/`timeout`/a service manager, and a closed terminal. */
export const STOP_SIGNALS: readonly NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];

export interface StopRequest {
  /** Resolves with the first stop signal. */
  requested: Promise<NodeJS.Signals>;
  /** The first stop signal, once one came. */
  received: () => NodeJS.Signals | undefined;
  dispose: () => void;
}

/**
 * Listens for SIGINT, SIGTERM and SIGHUP from the first line of `up` on, so that a signal during
 * start-up, or the same signal twice (`timeout` signals the whole process group and `tsx`/`npx`
 * relay it again), never kills the process before it has stopped the servers it started: the
 * servers run in their own process group and would be left behind, owned by init.
 *
 * @example
 * const stop = listenForStop(process);
 * await stop.requested; // "SIGTERM"
 * stop.dispose();
 */
export function listenForStop(proc: Pick<NodeJS.Process, "on" | "off"> = process): StopRequest {
  let first: NodeJS.Signals | undefined;
  let resolve: (signal: NodeJS.Signals) => void = () => {};
  const requested = new Promise<NodeJS.Signals>((done) => (resolve = done));
  const onSignal = (signal: NodeJS.Signals) => {
    if (first !== undefined) {
      say(`(${signal}: already stopping; the servers are stopped before up exits)`);
      return;
    }
    first = signal;
    resolve(signal);
  };
  for (const signal of STOP_SIGNALS) proc.on(signal, onSignal);
  return {
    requested,
    received: () => first,
    dispose: () => STOP_SIGNALS.forEach((signal) => proc.off(signal, onSignal)),
  };
}

/**
 * Stop steps pushed as things start, run last-first: whatever started is stopped, whenever `up` stops.
 *
 * @example
 * const started = new Started();
 * started.push("nats-server", () => nats.stop());
 * await started.stopAll(); // [] when every step succeeded
 */
export class Started {
  private readonly steps: { name: string; stop: () => Promise<unknown> }[] = [];
  push(name: string, stop: () => Promise<unknown>): void {
    this.steps.push({ name, stop });
  }
  async stopAll(): Promise<string[]> {
    const failed: string[] = [];
    for (const step of this.steps.reverse()) {
      say(`stopping: ${step.name} ...`);
      await step.stop().catch((error: unknown) => failed.push(`${step.name}: ${String(error)}`));
    }
    this.steps.length = 0;
    return failed;
  }
}
