import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { LONG_CACHE, serveAsset } from "./static.ts";

describe("serveAsset", () => {
  const app = new Hono();
  app.get(
    "/a.js",
    serveAsset({ body: new TextEncoder().encode("x=1"), contentType: "text/javascript", cacheControl: LONG_CACHE }),
  );

  it("serves the body with its type, cache headers and an ETag, and 304 for a matching If-None-Match", async () => {
    const first = await app.request("/a.js");
    expect(first.status).toBe(200);
    expect(await first.text()).toBe("x=1");
    expect(first.headers.get("content-type")).toBe("text/javascript");
    expect(first.headers.get("cache-control")).toBe(LONG_CACHE);
    const etag = first.headers.get("etag");
    expect(etag).toMatch(/^"[A-Za-z0-9_-]{27}"$/);
    const again = await app.request("/a.js", { headers: { "if-none-match": etag ?? "" } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe("");
    const other = await app.request("/a.js", { headers: { "if-none-match": '"nope"' } });
    expect(other.status).toBe(200);
  });
});
