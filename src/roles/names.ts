import { CONSUMER_NAMES, type ConsumerName } from "../consumers/registry.ts";

/** A role a process can run: the ingest edge, the query API, or one consumer of the registry. */
export type Role = "ingest" | "query" | ConsumerName;

/** Every role, in the order `playpulse up` starts them; the consumers come from the registry. */
export const ROLES: readonly Role[] = ["ingest", "query", ...CONSUMER_NAMES];
