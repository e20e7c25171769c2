import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export interface DashboardAssets {
  js: Uint8Array;
  css: Uint8Array;
}

const HERE = dirname(fileURLToPath(import.meta.url));

/**
 * Bundles the page (src/dashboard/client, uPlot and its CSS) with esbuild, in memory: one
 * script and one stylesheet, nothing fetched at run time.
 *
 * @example
 * const { js, css } = await buildDashboardAssets();
 */
export async function buildDashboardAssets(): Promise<DashboardAssets> {
  const esbuild = await import("esbuild");
  const result = await esbuild.build({
    entryPoints: [join(HERE, "client", "main.ts")],
    bundle: true,
    write: false,
    minify: true,
    format: "esm",
    target: "es2020",
    outdir: "/dashboard",
    legalComments: "none",
    logLevel: "silent",
  });
  const out = (ext: string) => result.outputFiles.find((f) => f.path.endsWith(ext))?.contents;
  const js = out(".js");
  const css = out(".css");
  if (!js || !css) throw new Error("esbuild produced no dashboard script or stylesheet");
  return { js, css };
}

/**
 * The page's assets: prebuilt ones next to this module (`npm run build` writes
 * dist/dashboard/assets), or a fresh bundle when running from source.
 */
export async function loadDashboardAssets(): Promise<DashboardAssets> {
  try {
    const [js, css] = await Promise.all([
      readFile(join(HERE, "assets", "app.js")),
      readFile(join(HERE, "assets", "app.css")),
    ]);
    return { js, css };
  } catch {
    return buildDashboardAssets();
  }
}
