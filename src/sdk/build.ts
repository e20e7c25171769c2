import type { BuildOptions } from "esbuild";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";

/** The player SDK's files, as the edge serves them under /sdk/v1/. */
export interface PlayerSdkFiles {
  /** ES module: `import { attach } from ".../player.mjs"`. */
  esm: Uint8Array;
  /** Classic script: defines `window.Playpulse.attach`. */
  iife: Uint8Array;
  /** TypeScript declarations of the public API. */
  dts: Uint8Array;
}

const ENTRY = fileURLToPath(new URL("./player/index.ts", import.meta.url));
const TYPES = fileURLToPath(new URL("./player/types.ts", import.meta.url));

/** The one set of esbuild options, for `npm run build` and for the on-the-fly build of dev and tests. */
export const ESBUILD_OPTIONS: BuildOptions & { write: false } = {
  entryPoints: [ENTRY],
  bundle: true,
  minify: true,
  target: ["es2020"],
  legalComments: "none",
  write: false,
};

/** `.d.ts` of the SDK: its public types (types.ts holds declarations only) and `attach`. */
async function declarations(): Promise<Uint8Array> {
  const types = await readFile(TYPES, "utf8");
  return new TextEncoder().encode(
    `${types}\n/** Starts following a <video> element; see docs/player-sdk.md. */\nexport declare function attach(video: HTMLVideoElement, options: AttachOptions): Session;\n`,
  );
}

/**
 * Bundles the SDK with esbuild (a devDependency: used by `npm run build`, by `tsx` in dev and by
 * tests; production images serve the files `npm run build` wrote, see loadPlayerSdk).
 *
 * @example
 * const { esm, iife } = await bundlePlayerSdk();
 */
export async function bundlePlayerSdk(): Promise<PlayerSdkFiles> {
  const esbuild = await import("esbuild");
  const [esm, iife] = await Promise.all([
    esbuild.build({ ...ESBUILD_OPTIONS, format: "esm" }),
    esbuild.build({ ...ESBUILD_OPTIONS, format: "iife", globalName: "Playpulse" }),
  ]);
  const first = (r: { outputFiles?: { contents: Uint8Array }[] }) => {
    const f = r.outputFiles?.[0];
    if (!f) throw new Error("esbuild produced no output for the player SDK");
    return f.contents;
  };
  return { esm: first(esm), iife: first(iife), dts: await declarations() };
}
