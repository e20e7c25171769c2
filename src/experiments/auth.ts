import { requireKey, type Keys } from "../http/auth.ts";

/**
 * Who may define experiments: today, a write key (the one place to change when keys get scopes,
 * e.g. an "admin" or "experiments:write" scope).
 *
 * @example
 * app.post("/v1/experiments", requireExperimentAdmin(keys), handler);
 */
export function requireExperimentAdmin(keys: Keys) {
  return requireKey(keys, "write");
}

/**
 * Who may read experiments and verdicts: a read key.
 *
 * @example
 * app.get("/v1/experiments", requireExperimentReader(keys), handler);
 */
export function requireExperimentReader(keys: Keys) {
  return requireKey(keys, "read");
}
