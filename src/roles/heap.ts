import type { Role } from "./names.ts";

/** The V8 old-space limit of a Node process that serves only the edge (ingest, query), in MB. */
export const EDGE_HEAP_MB = 384;
/** The limit of a Node process that runs any other role (the consumers, evaluations), in MB. */
export const WORKER_HEAP_MB = 576;

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
