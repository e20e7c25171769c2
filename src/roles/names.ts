import { CONSUMER_NAMES, type ConsumerName } from "../consumers/registry.ts";

/** A role a process can run: the ingest edge, the query API, or one consumer of the registry. */
export type Role = "ingest" | "query" | ConsumerName | "evaluations";

/** Every role, in the order `playpulse up` starts them; the consumers come from the registry. */
export const ROLES: readonly Role[] = ["ingest", "query", ...CONSUMER_NAMES, "evaluations"];

/** The roles that run as their own Deployment beside the edge: the registry's consumers and `evaluations`. */
export const WORKER_ROLES: readonly Role[] = [...CONSUMER_NAMES, "evaluations"];
