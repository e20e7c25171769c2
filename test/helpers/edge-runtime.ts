import { inject } from "vitest";
import type { Role } from "../../src/roles/index.ts";
import type { RuntimeName } from "../../src/http/runtimes.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** The runtime the edge roles (ingest, query) run on in this test project; node when unset. */
    edgeRuntime?: RuntimeName;
  }
}

export const EDGE_ROLES: readonly Role[] = ["ingest", "query"];

/**
 * The runtime of the edge in this test project (vitest.config.ts: the integration-bun and
 * integration-deno projects run the parity suites with `provide: { edgeRuntime }`).
 *
 * @example
 * const runtime = edgeRuntime(); // "node" in the integration project
 */
export function edgeRuntime(): RuntimeName {
  return inject("edgeRuntime") ?? "node";
}
