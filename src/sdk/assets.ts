import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { PlayerSdkFiles } from "./build.ts";

/** Where `npm run build` writes the SDK: dist/sdk/v1/, beside the compiled dist/sdk/assets.js. */
const BUILT = fileURLToPath(new URL("./v1/", import.meta.url));
const NAMES = { esm: "player.mjs", iife: "player.js", dts: "player.d.ts" } as const;

/**
 * The player SDK files for the edge: the ones `npm run build` wrote (production, dist/sdk/v1/), or,
 * when running from source (tsx, tests), bundled now with esbuild.
 *
 * @example
 * routes.push(createSdkRoutes({ files: await loadPlayerSdk() }));
 */
export async function loadPlayerSdk(dir: string = BUILT): Promise<PlayerSdkFiles> {
  try {
    const [esm, iife, dts] = await Promise.all([
      readFile(join(dir, NAMES.esm)),
      readFile(join(dir, NAMES.iife)),
      readFile(join(dir, NAMES.dts)),
    ]);
    return { esm, iife, dts };
  } catch {
    const { bundlePlayerSdk } = await import("./build.ts");
    return bundlePlayerSdk();
  }
}

/** Writes the bundled SDK to `dir` (`npm run build`: dist/sdk/v1). */
export async function writePlayerSdk(dir: string): Promise<string[]> {
  const { bundlePlayerSdk } = await import("./build.ts");
  const files = await bundlePlayerSdk();
  await mkdir(dir, { recursive: true });
  const written = (Object.keys(NAMES) as (keyof typeof NAMES)[]).map((k) => join(dir, NAMES[k]));
  await Promise.all(
    (Object.keys(NAMES) as (keyof typeof NAMES)[]).map((k) => writeFile(join(dir, NAMES[k]), files[k])),
  );
  return written;
}

/** hls.js's minified build from node_modules for the hls.js example page, when it is installed (dev). */
export async function loadHlsJs(): Promise<Uint8Array | undefined> {
  try {
    const { createRequire } = await import("node:module");
    return await readFile(createRequire(import.meta.url).resolve("hls.js/dist/hls.min.js"));
  } catch {
    return undefined;
  }
}
