import { createMiddleware } from "hono/factory";
import { ApiError } from "../http/errors.ts";

export interface CorsOptions {
  /** The origins a browser may send from: every origin of every publishable key. */
  origins: ReadonlySet<string>;
  /** How long a browser may cache a preflight answer. */
  maxAgeSeconds?: number;
}

export const CORS_METHODS = "POST, OPTIONS";
export const CORS_HEADERS = "Authorization, Content-Type, Content-Encoding";

/**
 * CORS for `POST /v1/events`. A preflight (`OPTIONS`) from an allowed origin answers 204 with that
 * exact origin, the methods, the headers and `Access-Control-Max-Age`; it reads nothing and touches
 * neither NATS nor ClickHouse. Every other answer to an allowed origin, errors included, carries
 * `Access-Control-Allow-Origin` (never `*`, and no credentials: keys are not cookies). A disallowed
 * origin gets no CORS header on any answer, so its page cannot read one. An `OPTIONS` without an
 * `Origin` (not a browser's preflight) answers 204 with `Allow`.
 *
 * @example
 * app.use("/v1/events", ingestCors({ origins: allowedOrigins(keys) }));
 */
export function ingestCors(opts: CorsOptions) {
  const maxAge = String(opts.maxAgeSeconds ?? 600);
  return createMiddleware(async (c, next) => {
    const origin = c.req.header("origin");
    const allowed = origin !== undefined && opts.origins.has(origin);
    if (c.req.method === "OPTIONS") {
      if (origin === undefined) return c.body(null, 204, { Allow: CORS_METHODS });
      if (!allowed) {
        throw new ApiError(
          403,
          "origin_not_allowed",
          `origin ${JSON.stringify(origin)} is not an allowed origin of any publishable key (PLAYPULSE_PUBLISHABLE_KEYS)`,
          { Vary: "Origin" },
        );
      }
      return c.body(null, 204, {
        "Access-Control-Allow-Origin": origin,
        "Access-Control-Allow-Methods": CORS_METHODS,
        "Access-Control-Allow-Headers": CORS_HEADERS,
        "Access-Control-Max-Age": maxAge,
        Vary: "Origin",
      });
    }
    try {
      await next();
    } finally {
      c.res.headers.append("Vary", "Origin");
      if (allowed) {
        c.res.headers.set("Access-Control-Allow-Origin", origin);
        c.res.headers.set("Access-Control-Expose-Headers", "Retry-After");
      }
    }
  });
}
