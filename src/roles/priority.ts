import { resolveBinary } from "../local-servers/managed-process.ts";

/**
 * The nice value of the worker roles' process where one host runs them beside the edge:
 * `playpulse up` and the bench. Linux's scheduler gives runnable processes of one cgroup shares
 * by weight, 1,024 at nice 0 and 110 at nice 10. So while the edge and a worker both want a
 * core, the edge gets about nine tenths of it; when the edge idles, the worker gets all of it.
 * A consumer's batch (decoding, rows, the insert body) then no longer makes a player wait for
 * its 202, and the workers take the cores' idle time in larger bites
 * (docs/benchmarks.md#the-worker-roles-at-nice-10-kept).
 *
 * It orders processes within one cgroup only. Kubernetes and compose run each role in a
 * container of its own, where CPU requests (`cpu.weight`) or `cpu_shares` do the same job.
 */
export const WORKER_NICE = 10;

export interface Command {
  command: string;
  args: string[];
}

/** coreutils' `nice`, or null where it is not installed. */
function findNice(): string | null {
  try {
    return resolveBinary("nice");
  } catch {
    return null;
  }
}

/**
 * `cmd` run at the scheduling priority `nice` through coreutils' `nice`. It sets the priority
 * before it execs the command, so every thread of the process has it; setpriority(2) on a
 * running process sets only the thread whose id is its pid, not V8's or libuv's threads. The
 * process keeps `nice`'s pid, so signals and /proc reach the command. Unchanged at nice 0, or
 * where no `nice` is installed (the process then runs at its parent's priority).
 *
 * @example
 * const { command, args } = atNice({ command: process.execPath, args: ["dist/cli/main.js", "serve", "analytics"] }, WORKER_NICE);
 * spawn(command, args);
 */
export function atNice(cmd: Command, nice: number, niceBinary: string | null = findNice()): Command {
  if (nice === 0 || niceBinary === null) return cmd;
  return { command: niceBinary, args: ["-n", String(nice), cmd.command, ...cmd.args] };
}
