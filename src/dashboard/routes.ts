import { Hono } from "hono";
import { NO_CACHE, serveAsset } from "../web/index.ts";
import { loadDashboardAssets, type DashboardAssets } from "./assets.ts";
import { CSP, PAGE_HTML } from "./page.ts";

export interface DashboardDeps {
  /** Where the script and stylesheet come from; built (or read) on the first request by default. */
  assets?: () => Promise<DashboardAssets>;
}

/**
 * The dashboard page at `/` and `/dashboard`, with its script and stylesheet. The page itself
 * needs no key: it asks for a read key and sends it to the read API (docs/dashboard.md).
 *
 * @example
 * app.route("/", createDashboardRoutes());
 */
export function createDashboardRoutes(deps: DashboardDeps = {}): Hono {
  const app = new Hono();
  const headers = {
    "content-security-policy": CSP,
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
  };
  const page = serveAsset({
    body: new TextEncoder().encode(PAGE_HTML),
    contentType: "text/html; charset=utf-8",
    cacheControl: NO_CACHE,
    headers,
  });
  let served: Promise<{ js: ReturnType<typeof serveAsset>; css: ReturnType<typeof serveAsset> }> | undefined;
  const assets = () => {
    served ??= (deps.assets ?? loadDashboardAssets)().then(({ js, css }) => ({
      js: serveAsset({ body: js, contentType: "text/javascript; charset=utf-8", cacheControl: NO_CACHE, headers }),
      css: serveAsset({ body: css, contentType: "text/css; charset=utf-8", cacheControl: NO_CACHE, headers }),
    }));
    served.catch(() => (served = undefined));
    return served;
  };
  app.get("/", page);
  app.get("/dashboard", page);
  app.get("/dashboard/", page);
  app.get("/dashboard/app.js", async (c) => (await assets()).js(c));
  app.get("/dashboard/app.css", async (c) => (await assets()).css(c));
  return app;
}
