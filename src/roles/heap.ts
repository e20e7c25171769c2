import type { Role } from "./names.ts";

/** The V8 old-space limit of a Node process that serves only the edge (ingest, query), in MB. */
export const EDGE_HEAP_MB = 384;
/** The limit of a Node process that runs any other role (the consumers, evaluations), in MB. */
export const WORKER_HEAP_MB = 576;
/** The V8 old-space limit of the edge on Deno, in MB. */
export const DENO_HEAP_MB = 256;

/**
 * The Node flag that limits a `playpulse serve <roles>` process's old space, as Kubernetes sets
 * it (`NODE_OPTIONS` in k8s/base/<role>/deployment.yaml; a test keeps them equal) and as the
 * image sets it by default. The bench and `playpulse up` start their worker roles with it, so they
 * measure the process Kubernetes runs. Besides the limit, it makes V8 grow the heap by less
 * before a full GC: with Node's default limit (a quarter of RAM, up to 4 GB) the analytics
 * consumer let its old space grow to four times its live set, 332 MB RSS while draining a
 * backlog, against 195 MB with 576 at the same rate (docs/benchmarks.md#memory-per-process).
 *
 * @example
 * spawn(process.execPath, [nodeHeapFlag(["analytics"]), "dist/cli/main.js", "serve", "analytics"]);
 */
export function nodeHeapFlag(roles: readonly Role[]): string {
  const edgeOnly = roles.length > 0 && roles.every((r) => r === "ingest" || r === "query");
  return `--max-old-space-size=${edgeOnly ? EDGE_HEAP_MB : WORKER_HEAP_MB}`;
}

/**
 * The V8 flags of the edge on Deno: the value of `DENO_V8_FLAGS`, which the Deno image sets
 * (a test keeps it equal) and with which the bench, `playpulse serve --runtime deno` and the test
 * helpers start it. With Deno's default limit (about 4 GB here) the ingest role peaked at
 * 305–327 MB RSS at 100 events/request; with 256 at 204–219 MB, the rate within the runs' noise
 * (docs/benchmarks.md#memory-per-process). An environment variable rather than `--v8-flags`, so
 * it reaches Deno through each launcher's environment and a Deployment can replace it, like
 * `NODE_OPTIONS`; a `--v8-flags` argument would win over it.
 *
 * @example
 * denoV8Flags(); // "--max-old-space-size=256"
 */
export function denoV8Flags(): string {
  return `--max-old-space-size=${DENO_HEAP_MB}`;
}

/**
 * The environment that gives a process on `runtime` its heap limit: `DENO_V8_FLAGS` on Deno,
 * nothing on Node (its limit is a flag, `nodeHeapFlag`) or Bun. Put it under the caller's
 * environment, so a `DENO_V8_FLAGS` set there wins.
 *
 * @example
 * spawn(deno.command, serveArgs(deno, ["ingest"]), { env: { ...runtimeHeapEnv("deno"), ...processEnv() } });
 */
export function runtimeHeapEnv(runtime: string): Record<string, string> {
  return runtime === "deno" ? { DENO_V8_FLAGS: denoV8Flags() } : {};
}
