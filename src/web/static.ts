import { createHash } from "node:crypto";
import type { Context } from "hono";

export interface StaticAsset {
  body: Uint8Array;
  contentType: string;
  /** `Cache-Control` value; versioned paths use a long, immutable one. */
  cacheControl: string;
  /** Extra headers (Content-Security-Policy for pages, ...). */
  headers?: Record<string, string>;
}

/** One year, immutable: for assets under a versioned path (`/sdk/v1/...`). */
export const LONG_CACHE = "public, max-age=31536000, immutable";
/** Revalidate every time: for pages whose path does not change with their content. */
export const NO_CACHE = "no-cache";

/**
 * A Hono handler for one in-memory asset, with a strong ETag and 304 on `If-None-Match`.
 *
 * @example
 * app.get("/sdk/v1/player.js", serveAsset({ body, contentType: "text/javascript; charset=utf-8", cacheControl: LONG_CACHE }));
 */
export function serveAsset(asset: StaticAsset): (c: Context) => Response {
  const etag = `"${createHash("sha256").update(asset.body).digest("base64url").slice(0, 27)}"`;
  const headers: Record<string, string> = {
    "content-type": asset.contentType,
    "cache-control": asset.cacheControl,
    etag,
    "x-content-type-options": "nosniff",
    ...asset.headers,
  };
  return (c) => {
    const match = c.req.header("if-none-match");
    if (match !== undefined && match.split(",").some((t) => t.trim() === etag || t.trim() === `W/${etag}`)) {
      return new Response(null, { status: 304, headers });
    }
    return new Response(asset.body, { status: 200, headers });
  };
}
