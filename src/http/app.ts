import { Hono } from "hono";
import { ApiError, errorBody } from "./errors.ts";

export type ReadinessProbe = () => Promise<boolean>;

export interface HttpAppDeps {
  /** Route groups mounted at the root (ingest, query, ...). */
  routes: Hono[];
  /** Named checks of what this process's roles need; `/readyz` is 200 when all pass. */
  readiness: Record<string, ReadinessProbe>;
  /** Prometheus text for `/metrics`. */
  metrics?: () => Promise<string>;
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

/**
 * The HTTP face of a process: the roles' routes plus `/healthz`, `/readyz`, `/metrics`, and
 * the one place where errors become HTTP answers. It never listens; adapters do.
 */
export function createHttpApp(deps: HttpAppDeps): Hono {
  const app = new Hono();
  app.get("/healthz", (c) => c.json({ status: "ok" }));
  app.get("/readyz", async (c) => {
    const entries = await Promise.all(Object.entries(deps.readiness).map(async ([name, check]) => [name, await probe(check, 2000)] as const));
    const checks = Object.fromEntries(entries);
    const ready = entries.every(([, okay]) => okay);
    return c.json({ status: ready ? "ready" : "not_ready", checks }, ready ? 200 : 503);
  });
  if (deps.metrics) {
    const metrics = deps.metrics;
    app.get("/metrics", async (c) => c.text(await metrics(), 200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" }));
  }
  for (const r of deps.routes) app.route("/", r);
  app.notFound((c) => c.json(errorBody("not_found", `no route for ${c.req.method} ${c.req.path}`), 404));
  app.onError((err, c) => {
    if (err instanceof ApiError) {
      for (const [k, v] of Object.entries(err.headers)) c.header(k, v);
      return c.json(errorBody(err.code, err.message), err.status);
    }
    deps.onUnexpectedError?.(err, c.req.path);
    return c.json(errorBody("internal", "unexpected error; it was logged"), 500);
  });
  return app;
}
