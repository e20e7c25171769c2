import {
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_URL_PATH,
  ATTR_URL_SCHEME,
} from "@opentelemetry/semantic-conventions";
import { context, SpanKind, SpanStatusCode, trace, type Tracer } from "@opentelemetry/api";
import type { Context as HonoContext, MiddlewareHandler } from "hono";
import type { Logger } from "./logger.ts";
import { extractFromRequest } from "./propagation.ts";

/** Counts of HTTP requests, for metrics. `route` is the route pattern, never the raw path. */
export interface HttpObserver {
  onRequest(method: string, route: string, status: number, seconds: number): void;
}

export interface HttpTelemetryOptions {
  tracer?: Tracer | undefined;
  observer?: HttpObserver | undefined;
  /** Writes one `debug` line per request, inside its span. */
  logger?: Logger | undefined;
}

/**
 * A request path as telemetry may keep it: a user id in the path (`/v1/users/<id>/…`) becomes
 * `:user_id`, so no span attribute or log line names a user (docs/privacy.md#logs-and-traces).
 *
 * @example
 * telemetryPath("/v1/users/alice/recommendations") // "/v1/users/:user_id/recommendations"
 */
export function telemetryPath(path: string): string {
  return path.replace(/^\/v1\/users\/[^/]+/, "/v1/users/:user_id");
}

/** The matched route pattern (`/v1/videos/:video_id/stats`), or "unmatched" for a 404 without a route. */
export function routeOf(c: HonoContext): string {
  const path = c.req.routePath;
  return path === "/*" || path === "*" || path === "" ? "unmatched" : path;
}

/**
 * Hono middleware: a SERVER span per request (continuing the caller's W3C `traceparent`),
 * the request counter and latency histogram, and a debug access line. Uses only the
 * OpenTelemetry API and web-standard `Request`, so it runs on any runtime. Mount it after
 * `/healthz`, `/readyz` and `/metrics`, which stay unobserved.
 *
 * @example
 * app.use(httpTelemetry({ tracer, observer: metrics.http, logger }));
 */
export function httpTelemetry(opts: HttpTelemetryOptions): MiddlewareHandler {
  const { tracer, observer, logger } = opts;

  function finish(c: HonoContext, t0: number): { route: string; status: number; seconds: number } {
    const route = routeOf(c);
    const status = c.res.status;
    const seconds = (performance.now() - t0) / 1000;
    observer?.onRequest(c.req.method, route, status, seconds);
    logger?.debug({ method: c.req.method, route, status, duration_ms: Math.round(seconds * 1e4) / 10 }, "request");
    return { route, status, seconds };
  }

  return async function observeRequest(c, next) {
    const t0 = performance.now();
    if (!tracer) {
      await next();
      finish(c, t0);
      return;
    }
    const parent = extractFromRequest(c.req.raw.headers);
    const method = c.req.method;
    const span = tracer.startSpan(
      method,
      {
        kind: SpanKind.SERVER,
        attributes: {
          [ATTR_HTTP_REQUEST_METHOD]: method,
          [ATTR_URL_PATH]: telemetryPath(c.req.path),
          [ATTR_URL_SCHEME]: new URL(c.req.url).protocol.slice(0, -1),
        },
      },
      parent,
    );
    await context.with(trace.setSpan(parent, span), async () => {
      try {
        await next();
      } finally {
        const { route, status } = finish(c, t0);
        if (span.isRecording()) {
          span.updateName(`${method} ${route}`);
          span.setAttribute(ATTR_HTTP_ROUTE, route);
          span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
          if (status >= 500) {
            span.setAttribute(ATTR_ERROR_TYPE, String(status));
            if (c.error) span.recordException(c.error);
            span.setStatus({ code: SpanStatusCode.ERROR });
          }
        }
        span.end();
      }
    });
  };
}
