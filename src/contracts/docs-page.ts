import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { Hono } from "hono";
import { NO_CACHE, serveAsset } from "../web/index.ts";

/** Every request stays on the origin, as on the dashboard; Swagger UI's icons are data: URLs. */
export const DOCS_CSP =
  "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

/** The page: no inline script or style, so `default-src 'self'` holds. */
const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Playpulse API reference</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/docs/swagger-ui.css">
</head>
<body>
<noscript>The API reference needs JavaScript; the document itself is at /openapi.json.</noscript>
<div id="swagger-ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script>
</body>
</html>
`;

/** Swagger UI's initializer, as a same-origin file (the CSP refuses inline scripts). */
const INIT = `window.ui = SwaggerUIBundle({ url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true });\n`;

const encode = (text: string) => new TextEncoder().encode(text);

/**
 * The reference page at `/docs`: Swagger UI from the installed swagger-ui-dist package, read from
 * node_modules once and served from memory, nothing from a CDN.
 *
 * @example
 * addDocsPage(app); // GET /docs, /docs/init.js, /docs/swagger-ui-bundle.js, /docs/swagger-ui.css
 */
export function addDocsPage(app: Hono): void {
  const dist = dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));
  const file = (name: string) => new Uint8Array(readFileSync(join(dist, name)));
  const js = "text/javascript; charset=utf-8";
  const headers = { "content-security-policy": DOCS_CSP };
  app.get(
    "/docs",
    serveAsset({ body: encode(PAGE), contentType: "text/html; charset=utf-8", cacheControl: NO_CACHE, headers }),
  );
  app.get("/docs/init.js", serveAsset({ body: encode(INIT), contentType: js, cacheControl: NO_CACHE }));
  app.get(
    "/docs/swagger-ui-bundle.js",
    serveAsset({ body: file("swagger-ui-bundle.js"), contentType: js, cacheControl: NO_CACHE }),
  );
  app.get(
    "/docs/swagger-ui.css",
    serveAsset({ body: file("swagger-ui.css"), contentType: "text/css; charset=utf-8", cacheControl: NO_CACHE }),
  );
}
