import { Hono, type MiddlewareHandler } from "hono";
import { DependencyUnavailableError, SqlValueError } from "../errors.ts";
import type { Health, Readiness } from "./answers.ts";
import { ApiError, errorBody } from "./errors.ts";

export type ReadinessProbe = () => Promise<boolean>;

export interface HttpAppDeps {
  /** Route groups mounted at the root (ingest, query, ...). */
  routes: Hono[];
  /** Named checks of what this process's roles need; `/readyz` is 200 when all pass. */
  readiness: Record<string, ReadinessProbe>;
  /** Checks reported by `/readyz` that do not gate it (ClickHouse in a process that also ingests). */
  informational?: Record<string, ReadinessProbe>;
  /** Prometheus text for `/metrics`. */
  metrics?: () => Promise<string>;
  /** Run around every route of `routes` (tracing, request metrics); not around the probes and `/metrics`. */
  middleware?: MiddlewareHandler[];
  onUnexpectedError?: (err: unknown, path: string) => void;
}

async function probe(check: ReadinessProbe, timeoutMs: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
  try {
    return await Promise.race([check().catch(() => false), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** One route an app serves: its method and path pattern (`/v1/videos/:video_id/stats`). */
export interface RouteInfo {
  method: string;
  path: string;
}

/**
 * The routes `app` serves, each once, in registration order: handlers registered by method
 * (`get`, `post`, ...), not middleware (`use`, which Hono records as method `ALL`). The auth
 * matrix test enumerates these, so a new route cannot go untested.
 *
 * @example
 * routesOf(createHttpApp({ routes: [], readiness: {} })); // [{ method: "GET", path: "/healthz" }, { method: "GET", path: "/readyz" }]
 */
export function routesOf(app: Hono): RouteInfo[] {
  const seen = new Map<string, RouteInfo>();
  for (const r of app.routes)
    if (r.method !== "ALL") seen.set(`${r.method} ${r.path}`, { method: r.method, path: r.path });
  return [...seen.values()];
}

/**
 * The HTTP face of a process: the roles' routes plus `/healthz`, `/readyz`, `/metrics`, and
 * the one place where errors become HTTP answers. It never listens; adapters do.
 */
export function createHttpApp(deps: HttpAppDeps): Hono {
  const app = new Hono();
  app.get("/healthz", (c) => c.json({ status: "ok" } satisfies Health));
  app.get("/readyz", async (c) => {
    const run = (checks: Record<string, ReadinessProbe>) =>
      Promise.all(Object.entries(checks).map(async ([name, check]) => [name, await probe(check, 2000)] as const));
    const [gating, info] = await Promise.all([run(deps.readiness), run(deps.informational ?? {})]);
    const checks = Object.fromEntries([...gating, ...info]);
    const ready = gating.every(([, okay]) => okay);
    return c.json({ status: ready ? "ready" : "not_ready", checks } satisfies Readiness, ready ? 200 : 503);
  });
  if (deps.metrics) {
    const metrics = deps.metrics;
    app.get("/metrics", async (c) =>
      c.text(await metrics(), 200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" }),
    );
  }
  for (const m of deps.middleware ?? []) app.use(m);
  for (const r of deps.routes) app.route("/", r);
  app.notFound((c) => c.json(errorBody("not_found", `no route for ${c.req.method} ${c.req.path}`), 404));
  app.onError((err, c) => {
    if (err instanceof ApiError) {
      for (const [k, v] of Object.entries(err.headers)) c.header(k, v);
      return c.json(errorBody(err.code, err.message), err.status);
    }
    if (err instanceof SqlValueError) {
      return c.json(errorBody("invalid_parameter", `a value cannot be used in the query: ${err.message}`), 400);
    }
    if (err instanceof DependencyUnavailableError) {
      c.header("Retry-After", "5");
      return c.json(errorBody(`${err.dependency}_unavailable`, `${err.message}; retry later`), 503);
    }
    deps.onUnexpectedError?.(err, c.req.path);
    return c.json(errorBody("internal", "unexpected error; it was logged"), 500);
  });
  return app;
}
