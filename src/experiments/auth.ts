import { createMiddleware } from "hono/factory";
import { checkScope, keyRing, requireKey, type Keys } from "../http/auth.ts";
import { ApiError } from "../http/errors.ts";

/**
 * Who may define experiments: a key with the `admin` scope, or one with `events:write` (the write
 * keys of PLAYPULSE_WRITE_KEYS have it). The one place to change this rule.
 *
 * @example
 * app.post("/v1/experiments", requireExperimentAdmin(keys), handler);
 */
export function requireExperimentAdmin(keys: Keys) {
  const find = keyRing(keys);
  return createMiddleware(async (c, next) => {
    const header = c.req.header("authorization");
    try {
      checkScope(find, header, "admin");
    } catch (err) {
      if (!(err instanceof ApiError) || err.status !== 403) throw err;
      try {
        checkScope(find, header, "events:write");
      } catch (again) {
        if (!(again instanceof ApiError) || again.status !== 403) throw again;
        throw new ApiError(
          403,
          "forbidden",
          `${again.message.replace(/ lacks the .*$/, "")} may not define experiments: that needs the admin or events:write scope`,
        );
      }
    }
    return next();
  });
}

/**
 * Who may read experiments and verdicts: a read key (`stats:read`).
 *
 * @example
 * app.get("/v1/experiments", requireExperimentReader(keys), handler);
 */
export function requireExperimentReader(keys: Keys) {
  return requireKey(keys, "read");
}
