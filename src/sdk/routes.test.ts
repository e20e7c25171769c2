import { runInNewContext } from "node:vm";
import { gzipSync } from "node:zlib";
import { beforeAll, describe, expect, it } from "vitest";
import { bundlePlayerSdk, type PlayerSdkFiles } from "./build.ts";
import { createSdkRoutes } from "./routes.ts";

/** The size budget of the SDK, gzipped (docs/player-sdk.md). */
const BUDGET_GZIP_BYTES = 6 * 1024;

describe("player SDK builds and routes", () => {
  let files: PlayerSdkFiles;
  beforeAll(async () => {
    files = await bundlePlayerSdk();
  }, 30_000);

  it.each(["esm", "iife"] as const)("the %s build is at most 6 kB gzipped", (build) => {
    const size = gzipSync(files[build], { level: 9 }).byteLength;
    expect(size).toBeGreaterThan(1000); // it is the real bundle, not an empty file
    expect(size).toBeLessThanOrEqual(BUDGET_GZIP_BYTES);
  });

  it("the ES module exports attach, the classic script defines Playpulse.attach", () => {
    const esm = new TextDecoder().decode(files.esm);
    expect(esm).toMatch(/export\s*\{[^}]*\bas attach\b[^}]*\}|export\s*\{\s*attach\s*\}/);
    const iife = new TextDecoder().decode(files.iife);
    // A classic script's top-level `var Playpulse` becomes a property of its global object.
    const scope: { Playpulse?: { attach?: unknown } } = {};
    runInNewContext(iife, scope);
    expect(typeof scope.Playpulse?.attach).toBe("function");
  });

  it.each([
    ["/sdk/v1/player.mjs", "text/javascript; charset=utf-8"],
    ["/sdk/v1/player.js", "text/javascript; charset=utf-8"],
    ["/sdk/v1/player.d.ts", "application/typescript; charset=utf-8"],
  ])("serves %s with a long cache, an ETag (304 when it matches) and open CORS", async (path, type) => {
    const app = createSdkRoutes({ files });
    const res = await app.request(path);
    expect({
      status: res.status,
      type: res.headers.get("content-type"),
      cache: res.headers.get("cache-control"),
      cors: res.headers.get("access-control-allow-origin"),
    }).toEqual({ status: 200, type, cache: "public, max-age=31536000, immutable", cors: "*" });
    const etag = res.headers.get("etag") ?? "";
    expect(etag).toMatch(/^".+"$/);
    expect((await app.request(path, { headers: { "if-none-match": etag } })).status).toBe(304);
  });

  it("declares attach and the public types", () => {
    const dts = new TextDecoder().decode(files.dts);
    expect(dts).toContain("export interface AttachOptions");
    expect(dts).toContain("export interface Session");
    expect(dts).toContain("export declare function attach(video: HTMLVideoElement, options: AttachOptions): Session;");
  });

  it.each([
    ["/sdk/v1/example", 'import { attach } from "/sdk/v1/player.mjs"', 'player: "html5"'],
    ["/sdk/v1/example/hls", "https://cdn.jsdelivr.net/npm/hls.js@1/dist/hls.min.js", 'player: "hls.js"'],
  ])("serves the example page %s", async (path, a, b) => {
    const res = await createSdkRoutes({ files }).request(path);
    const html = await res.text();
    expect([res.status, res.headers.get("cache-control"), html.includes(a), html.includes(b)]).toEqual([
      200,
      "no-cache",
      true,
      true,
    ]);
  });

  it("answers 503 with what to do when the SDK cannot be loaded, and says so once", async () => {
    const errors: unknown[] = [];
    const app = createSdkRoutes({ files: Promise.reject(new Error("no esbuild")), onLoadError: (e) => errors.push(e) });
    const res = await app.request("/sdk/v1/player.mjs");
    expect({ status: res.status, body: await res.json() }).toEqual({
      status: 503,
      body: {
        error: { code: "sdk_unavailable", message: "the player SDK is not built on this edge; run npm run build" },
      },
    });
    expect(errors).toEqual([new Error("no esbuild")]);
  });
});
