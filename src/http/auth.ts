import { createMiddleware } from "hono/factory";
import { ApiError } from "./errors.ts";

export interface Keys {
  write: ReadonlySet<string>;
  read: ReadonlySet<string>;
}

/**
 * `Authorization: Bearer <key>`. Missing or unknown keys answer 401; a known key of the
 * other kind (a write key on a read route) answers 403.
 */
export function requireKey(keys: Keys, need: "write" | "read") {
  const other = need === "write" ? keys.read : keys.write;
  const wanted = need === "write" ? keys.write : keys.read;
  return createMiddleware(async (c, next) => {
    const header = c.req.header("authorization");
    if (!header) throw new ApiError(401, "unauthorized", `missing "Authorization: Bearer <${need} key>" header`);
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!m?.[1]) throw new ApiError(401, "unauthorized", `the Authorization header must be "Bearer <${need} key>"`);
    const key = m[1];
    if (wanted.has(key)) return next();
    if (other.has(key)) {
      throw new ApiError(
        403,
        "forbidden",
        need === "read"
          ? "this is a write key; reading needs a read key"
          : "this is a read key; sending events needs a write key",
      );
    }
    throw new ApiError(401, "unauthorized", `unknown ${need} key`);
  });
}
