/**
 * The image, checked without a Docker engine: the Dockerfile's stages are pinned by digest,
 * labelled, lean (no Bun or Deno in the build stage's install, no benchmark) and run Node with
 * source maps. scripts/image-manifests.ts, which keeps Bun and Deno out, runs on the real manifests.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import {
  TEST_RUNTIMES,
  withoutDevDependencies,
  type PackageJson,
  type PackageLock,
} from "../../scripts/image-manifests.ts";
import { ROOT } from "../helpers/k8s.ts";

const read = (path: string): string => readFileSync(join(ROOT, path), "utf8");
const pkg = JSON.parse(read("package.json")) as PackageJson & { version: string };
const lock = JSON.parse(read("package-lock.json")) as PackageLock;

// One instruction per line: continuation lines joined.
const instructions = read("Dockerfile")
  .replace(/\s*\\\n\s*/g, " ")
  .split("\n");
/** The [start, end) line range of one build stage, from its FROM to the next. */
const range = (name: string): [number, number] => {
  const start = instructions.findIndex((l) => new RegExp(`^FROM \\S+ AS ${name}$`).test(l));
  const end = instructions.findIndex((l, i) => i > start && l.startsWith("FROM "));
  return start === -1 ? [0, 0] : [start, end === -1 ? instructions.length : end];
};
const stage = (name: string): string[] =>
  instructions.slice(...range(name)).filter((l) => l !== "" && !l.startsWith("#"));
/** The default of a global ARG (before the first FROM). */
const arg = (name: string): string | undefined =>
  instructions.find((l) => l.startsWith(`ARG ${name}=`))?.slice(`ARG ${name}=`.length);

const DIGEST = /@sha256:[0-9a-f]{64}$/;

describe("Dockerfile", () => {
  it.each([
    /^FROM \$\{NODE_IMAGE\} AS build$/,
    /^RUN node scripts\/image-manifests\.ts && npm ci --no-audit --no-fund$/,
    /^RUN npm run build && npm prune --omit=dev\b/,
    /^USER 10001:10001$/,
    /^ENV NODE_ENV=production\b/,
    /^EXPOSE 8080$/,
    /^HEALTHCHECK .*CMD \["node", "-e", ".*fetch\(.*\/healthz/,
    /^ENTRYPOINT \["node", "--enable-source-maps", "dist\/cli\/main\.js"\]$/,
    /^CMD \["serve", "ingest", "query"\]$/,
  ])("has an instruction matching %s (outside the Bun and Deno stages)", (pattern) => {
    const edge = [range("bun"), range("deno")];
    const node = instructions.filter((_, i) => !edge.some(([start, end]) => i >= start && i < end));
    expect(node.filter((line) => pattern.test(line))).toHaveLength(1);
  });

  it("runs Node 24 LTS, and Deno, pinned by digest; Bun by tag only, as docs/deploy.md says", () => {
    expect(arg("NODE_IMAGE")).toBe(
      "node:24-bookworm-slim@sha256:6f7b03f7c2c8e2e784dcf9295400527b9b1270fd37b7e9a7285cf83b6951452d",
    );
    expect(arg("DENO_IMAGE")).toMatch(/^denoland\/deno:debian-2\.9\.6@sha256:[0-9a-f]{64}$/);
    expect(arg("BUN_IMAGE")).toBe("oven/bun:1.4.4-slim");
    expect(read("docs/deploy.md")).toMatch(/`oven\/bun:1\.4\.4-slim` is pinned by tag only/);
    // Every stage starts from one of those three arguments, nothing else.
    const froms = instructions.filter((l) => l.startsWith("FROM ")).map((l) => l.split(" ")[1]);
    expect(new Set(froms)).toEqual(new Set(["${NODE_IMAGE}", "${BUN_IMAGE}", "${DENO_IMAGE}"]));
    expect([arg("NODE_IMAGE"), arg("DENO_IMAGE")].filter((image) => !DIGEST.test(image ?? ""))).toEqual([]);
  });

  it.each([
    ["runtime", "playpulse"],
    ["bun", "playpulse-edge-bun"],
    ["deno", "playpulse-edge-deno"],
  ])("labels the %s image with the OCI annotations, version and revision from build arguments", (name, title) => {
    const lines = stage(name);
    expect(lines).toEqual(expect.arrayContaining(["ARG VERSION", "ARG REVISION", "ARG SOURCE", "ARG LICENSES"]));
    const label = lines.find((l) => l.startsWith("LABEL ")) ?? "";
    const { "org.opencontainers.image.description": description, ...pairs } = Object.fromEntries(
      [...label.matchAll(/(org\.opencontainers\.image\.\w+)="([^"]*)"/g)].map((m): [string, string] => [
        m[1] ?? "",
        m[2] ?? "",
      ]),
    );
    expect(description).toMatch(/^Playpulse/);
    expect(pairs).toEqual({
      "org.opencontainers.image.title": title,
      "org.opencontainers.image.source": "${SOURCE}",
      "org.opencontainers.image.licenses": "${LICENSES}",
      "org.opencontainers.image.version": "${VERSION}",
      "org.opencontainers.image.revision": "${REVISION}",
    });
  });

  it("defaults the label version to package.json's, and claims no source URL or licence the repo does not declare", () => {
    expect(arg("VERSION")).toBe(pkg.version);
    expect([arg("REVISION"), arg("SOURCE"), arg("LICENSES")]).toEqual(["unknown", "unknown", "NOASSERTION"]);
  });

  it("compiles only src/, with a source map beside every file, and ships no benchmark", () => {
    const build = stage("build");
    expect(build.filter((l) => l.startsWith("COPY "))).toEqual([
      "COPY package.json package-lock.json ./",
      "COPY scripts/image-manifests.ts ./scripts/",
      "COPY tsconfig.json tsconfig.build.json ./",
      "COPY src ./src",
    ]);
    const file = join(ROOT, "tsconfig.build.json");
    const parsed = ts.getParsedCommandLineOfConfigFile(
      file,
      {},
      { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} },
    );
    expect(parsed?.options).toMatchObject({ sourceMap: true, outDir: join(ROOT, "dist"), rootDir: join(ROOT, "src") });
    expect(parsed?.fileNames.filter((f) => !f.startsWith(join(ROOT, "src/")))).toEqual([]);
    expect(parsed?.fileNames.filter((f) => f.endsWith(".test.ts"))).toEqual([]);
  });

  it("builds the edge on Bun and on Deno from the same compiled code, with the same arguments", () => {
    for (const [name, from, entry] of [
      ["bun", "${BUN_IMAGE}", '["bun", "dist/http/bun-main.js"]'],
      [
        "deno",
        "${DENO_IMAGE}",
        '["deno", "run", "--no-lock", "--no-prompt", "--allow-net", "--allow-env", "--allow-read=/app", "--allow-sys=hostname", "dist/http/deno-main.js"]',
      ],
    ] as const) {
      const lines = stage(name);
      expect(lines[0], name).toBe(`FROM ${from} AS ${name}`);
      expect(lines, name).toEqual(
        expect.arrayContaining([
          "COPY --from=build /app/dist ./dist",
          "COPY --from=build /app/node_modules ./node_modules",
          "USER 10001:10001",
          "EXPOSE 8080",
          `ENTRYPOINT ${entry}`,
          'CMD ["serve", "ingest", "query"]',
        ]),
      );
    }
    // The default target (the last stage) stays the Node image.
    expect(instructions.filter((l) => l.startsWith("FROM ")).at(-1)).toBe("FROM ${NODE_IMAGE} AS runtime");
  });
});

describe("Bun and Deno: installed for the tests, not in the image", () => {
  it("are the devDependencies scripts/image-manifests.ts removes, so a plain npm ci here installs them", () => {
    expect([...TEST_RUNTIMES].sort()).toEqual(["@deno/linux-x64-glibc", "bun"]);
    for (const name of TEST_RUNTIMES) {
      expect(pkg.devDependencies?.[name], name).toMatch(/^\^\d/);
      expect(lock.packages[""]?.devDependencies?.[name], name).toBe(pkg.devDependencies?.[name]);
    }
  });

  it("scripts/image-manifests.ts drops exactly them and what only they pull in, from both manifests", () => {
    const image = withoutDevDependencies(pkg, lock, TEST_RUNTIMES);
    const { bun: _bun, "@deno/linux-x64-glibc": _deno, ...devDependencies } = pkg.devDependencies ?? {};
    expect(image.pkg).toEqual({ ...pkg, devDependencies });
    expect(image.lock.packages[""]).toEqual({ ...lock.packages[""], devDependencies });
    const dropped = Object.keys(lock.packages).filter((path) => !(path in image.lock.packages));
    expect(
      dropped.filter((p) => !/^node_modules\/(bun|@oven\/bun-[a-z0-9-]+|@deno\/linux-x64-glibc)$/.test(p)),
    ).toEqual([]);
    expect(dropped).toEqual(
      expect.arrayContaining([
        "node_modules/bun",
        "node_modules/@oven/bun-linux-x64",
        "node_modules/@deno/linux-x64-glibc",
      ]),
    );
    // Everything else is untouched: esbuild's native binary (which --omit=optional would drop) stays.
    for (const [path, entry] of Object.entries(image.lock.packages))
      if (path !== "") expect(entry, path).toBe(lock.packages[path]);
    expect(image.lock.packages["node_modules/@esbuild/linux-x64"]).toBeDefined();
  });

  it("refuses a name that is not a devDependency, rather than ship what it was meant to drop", () => {
    expect(() => withoutDevDependencies(pkg, lock, ["deno"])).toThrow("not devDependencies of package.json: deno");
  });

  it("keeps a package still needed by another path, and resolves nested node_modules first", () => {
    const small: PackageLock = {
      lockfileVersion: 3,
      packages: {
        "": { dependencies: { a: "1" }, devDependencies: { d: "1", rt: "1" } },
        "node_modules/a": { dependencies: { shared: "1" } },
        "node_modules/d": { dependencies: { x: "2" } },
        "node_modules/d/node_modules/x": {},
        "node_modules/x": {},
        "node_modules/rt": { dependencies: { shared: "1", only: "1" }, optionalDependencies: { "rt-linux": "1" } },
        "node_modules/rt-linux": {},
        "node_modules/shared": {},
        "node_modules/only": {},
      },
    };
    const { lock: pruned } = withoutDevDependencies({ devDependencies: { d: "1", rt: "1" } }, small, ["rt"]);
    expect(Object.keys(pruned.packages).sort()).toEqual(
      ["", "node_modules/a", "node_modules/d", "node_modules/d/node_modules/x", "node_modules/shared"].sort(),
    );
  });
});
