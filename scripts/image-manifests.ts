/**
 * The Docker build stage's dependency manifests: package.json and package-lock.json without the
 * test runtimes (the devDependencies `bun` and `@deno/linux-x64-glibc`, the Bun and Deno binaries
 * that only the tests run) and without the packages only they pull in, so `npm ci` in the image
 * downloads and installs neither. Everywhere else (`npm ci` on a laptop, in CI,
 * scripts/bootstrap.sh) they stay and are installed as usual.
 *
 * Why not optionalDependencies with `npm ci --omit=optional`: that flag also drops every
 * package's own optional dependencies, among them esbuild's native binary (@esbuild/linux-x64),
 * which the build needs; and `npm install -g` of the packed CLI would install Bun and Deno for
 * every user.
 *
 * The Dockerfile runs it before `npm ci`, rewriting both files in place (Node 24 runs TypeScript
 * with erasable types as is; no dependency is installed yet):
 *   node scripts/image-manifests.ts
 */
import { readFileSync, writeFileSync } from "node:fs";
import { argv } from "node:process";
import { fileURLToPath } from "node:url";

type Deps = Record<string, string>;

/** The devDependencies that only the tests need: the Bun and Deno binaries (src/http/runtimes.ts). */
export const TEST_RUNTIMES: readonly string[] = ["bun", "@deno/linux-x64-glibc"];

/** The fields of package.json this reads; the rest is kept as it is. */
export interface PackageJson {
  devDependencies?: Deps;
  [field: string]: unknown;
}

/** One entry of package-lock.json's `packages` (lockfileVersion 3), by its node_modules path. */
export interface LockEntry {
  dependencies?: Deps;
  devDependencies?: Deps;
  optionalDependencies?: Deps;
  peerDependencies?: Deps;
  [field: string]: unknown;
}

export interface PackageLock {
  lockfileVersion: number;
  packages: Record<string, LockEntry>;
  [field: string]: unknown;
}

/**
 * Where Node finds `name` from the package at `from` ("" is the root): its own node_modules,
 * then each enclosing one. Undefined when the lock has no such package (an optional dependency
 * for another platform).
 */
function resolveIn(packages: Record<string, LockEntry>, from: string, name: string): string | undefined {
  let dir = from;
  for (;;) {
    const candidate = `${dir === "" ? "" : `${dir}/`}node_modules/${name}`;
    if (candidate in packages) return candidate;
    if (dir === "") return undefined;
    const parent = dir.lastIndexOf("/node_modules/");
    dir = parent === -1 ? "" : dir.slice(0, parent);
  }
}

/** The lock's packages that the root still needs: every dependency kind, devDependencies of the root only. */
function reachable(packages: Record<string, LockEntry>): Set<string> {
  const seen = new Set<string>([""]);
  const queue = [""];
  for (let path = queue.pop(); path !== undefined; path = queue.pop()) {
    const entry = packages[path] ?? {};
    const names = [
      ...Object.keys(entry.dependencies ?? {}),
      ...Object.keys(entry.optionalDependencies ?? {}),
      ...Object.keys(entry.peerDependencies ?? {}),
      ...(path === "" ? Object.keys(entry.devDependencies ?? {}) : []),
    ];
    for (const name of names) {
      const found = resolveIn(packages, path, name);
      if (found !== undefined && !seen.has(found)) {
        seen.add(found);
        queue.push(found);
      }
    }
  }
  return seen;
}

/** `deps` without the given names. */
const omit = (deps: Deps | undefined, names: readonly string[]): Deps =>
  Object.fromEntries(Object.entries(deps ?? {}).filter(([name]) => !names.includes(name)));

/**
 * package.json and its lock without the given devDependencies and what only they need.
 *
 * @example
 * const image = withoutDevDependencies(pkg, lock, TEST_RUNTIMES);
 * Object.keys(image.lock.packages).includes("node_modules/bun"); // false
 */
export function withoutDevDependencies(
  pkg: PackageJson,
  lock: PackageLock,
  names: readonly string[],
): { pkg: PackageJson; lock: PackageLock } {
  const missing = names.filter((name) => pkg.devDependencies?.[name] === undefined);
  if (missing.length > 0) throw new Error(`not devDependencies of package.json: ${missing.join(", ")}`);
  const root: LockEntry = { ...lock.packages[""], devDependencies: omit(lock.packages[""]?.devDependencies, names) };
  const packages = { ...lock.packages, "": root };
  const needed = reachable(packages);
  return {
    pkg: { ...pkg, devDependencies: omit(pkg.devDependencies, names) },
    lock: { ...lock, packages: Object.fromEntries(Object.entries(packages).filter(([path]) => needed.has(path))) },
  };
}

function main(): void {
  const read = <T>(file: string): T => JSON.parse(readFileSync(file, "utf8")) as T;
  const image = withoutDevDependencies(
    read<PackageJson>("package.json"),
    read<PackageLock>("package-lock.json"),
    TEST_RUNTIMES,
  );
  writeFileSync("package.json", `${JSON.stringify(image.pkg, null, 2)}\n`);
  writeFileSync("package-lock.json", `${JSON.stringify(image.lock, null, 2)}\n`);
}

if (argv[1] === fileURLToPath(import.meta.url)) main();
