import { Hono, type Context } from "hono";
import { errorBody } from "../http/errors.ts";
import { LONG_CACHE, NO_CACHE, serveAsset } from "../web/index.ts";
import type { PlayerSdkFiles } from "./build.ts";
import { exampleHlsPage, examplePage } from "./example.ts";

export interface SdkRoutesDeps {
  /** The built SDK; a promise (loadPlayerSdk) keeps start-up synchronous: requests wait for it. */
  files: PlayerSdkFiles | Promise<PlayerSdkFiles>;
  /** hls.js (its minified build) for the hls.js example; without it the page loads it from a CDN. */
  hlsJs?: Uint8Array | undefined | Promise<Uint8Array | undefined>;
  /** Told once when the SDK cannot be loaded; its routes then answer 503. */
  onLoadError?: (err: unknown) => void;
}

type Handler = (c: Context) => Response;

/** A public script any page may load, from any origin (a module script is fetched with CORS). */
const PUBLIC = { "access-control-allow-origin": "*", "cross-origin-resource-policy": "cross-origin" };
const JS = "text/javascript; charset=utf-8";
const HTML = "text/html; charset=utf-8";
const CDN_HLS = "https://cdn.jsdelivr.net/npm/hls.js@1/dist/hls.min.js";
const utf8 = (s: string) => new TextEncoder().encode(s);

/**
 * The player SDK under a versioned path: `GET /sdk/v1/player.mjs` (ES module), `/sdk/v1/player.js`
 * (classic script, `window.Playpulse`) and `/sdk/v1/player.d.ts`, each with a one-year immutable
 * cache and an ETag; and the example pages `/sdk/v1/example` and `/sdk/v1/example/hls`.
 *
 * @example
 * app.route("/", createSdkRoutes({ files: await loadPlayerSdk() }));
 */
export function createSdkRoutes(deps: SdkRoutesDeps): Hono {
  const app = new Hono();
  const handlers = Promise.all([deps.files, deps.hlsJs]).then(([files, hls]) => sdkHandlers(files, hls));
  handlers.catch((err: unknown) => deps.onLoadError?.(err));
  const paths = [
    "/sdk/v1/player.mjs",
    "/sdk/v1/player.js",
    "/sdk/v1/player.d.ts",
    "/sdk/v1/example",
    "/sdk/v1/example/hls",
    "/sdk/v1/example/hls.min.js",
  ];
  for (const path of paths) {
    app.get(path, async (c) => {
      let table: Map<string, Handler>;
      try {
        table = await handlers;
      } catch {
        return c.json(errorBody("sdk_unavailable", "the player SDK is not built on this edge; run npm run build"), 503);
      }
      const handler = table.get(path);
      return handler ? handler(c) : c.json(errorBody("not_found", `no route for GET ${path}`), 404);
    });
  }
  return app;
}

function sdkHandlers(files: PlayerSdkFiles, hls: Uint8Array | undefined): Map<string, Handler> {
  const asset = (body: Uint8Array, contentType: string, cacheControl = LONG_CACHE) =>
    serveAsset({ body, contentType, cacheControl, headers: PUBLIC });
  const page = (html: string) => serveAsset({ body: utf8(html), contentType: HTML, cacheControl: NO_CACHE });
  const table = new Map<string, Handler>([
    ["/sdk/v1/player.mjs", asset(files.esm, JS)],
    ["/sdk/v1/player.js", asset(files.iife, JS)],
    ["/sdk/v1/player.d.ts", asset(files.dts, "application/typescript; charset=utf-8")],
    ["/sdk/v1/example", page(examplePage())],
    ["/sdk/v1/example/hls", page(exampleHlsPage(hls ? "/sdk/v1/example/hls.min.js" : CDN_HLS))],
  ]);
  if (hls) table.set("/sdk/v1/example/hls.min.js", asset(hls, JS, NO_CACHE));
  return table;
}
