import { execFileSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { delimiter, join } from "node:path";

export const RUNTIMES = ["node", "bun", "deno"] as const;
export type RuntimeName = (typeof RUNTIMES)[number];

/** The repository root (where package.json and node_modules are), from src/http or dist/http. */
export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
/** `.ts` when this runs from src/, `.js` from the compiled dist/. */
const EXT = import.meta.url.endsWith(".ts") ? ".ts" : ".js";

/**
 * Deno's permissions for `serve`: the network (listen, NATS, ClickHouse, the OTLP collector),
 * the environment (the configuration), reading the app's own files (code and node_modules)
 * and the host name (log lines carry it). Nothing else: no writes, no subprocesses, no FFI.
 */
export function denoServePermissions(root = REPO_ROOT): string[] {
  return ["--no-prompt", "--allow-net", "--allow-env", `--allow-read=${root}`, "--allow-sys=hostname"];
}

export interface Runtime {
  name: RuntimeName;
  /** Absolute path of the executable. */
  command: string;
  version: string;
  /** Arguments that run a TypeScript file of this repo (the file follows). */
  runTs: (file: string) => string[];
  /** Extra environment the runtime wants (Deno: its cache dir; no update check). */
  env: Record<string, string>;
}

/**
 * Where npm puts the runtime binaries. npm does not run install scripts here, so Bun's
 * postinstall never links `bun`: its binary is the platform package's `bin/bun`, or
 * `bun/bin/bun.exe` when the postinstall did run (then the placeholder is replaced by the
 * real binary). Deno's platform package ships the binary as `deno`.
 */
const CANDIDATES: Record<Exclude<RuntimeName, "node">, string[]> = {
  bun: [
    "node_modules/@oven/bun-linux-x64/bin/bun",
    "node_modules/@oven/bun-linux-x64-baseline/bin/bun",
    "node_modules/@oven/bun-linux-aarch64/bin/bun",
    "node_modules/bun/bin/bun.exe",
  ],
  deno: ["node_modules/@deno/linux-x64-glibc/deno", "node_modules/@deno/linux-arm64-glibc/deno"],
};

function versionOf(command: string, args: string[]): string | undefined {
  try {
    return execFileSync(command, args, { encoding: "utf8", timeout: 20_000, stdio: ["ignore", "pipe", "ignore"] })
      .trim()
      .split("\n")[0];
  } catch {
    return undefined;
  }
}

/**
 * Finds a runtime: Node is this process's; Bun and Deno come from node_modules (devDependencies
 * `bun` and `@deno/linux-x64-glibc`), else from `path` (a `PATH` value). Undefined when not
 * installed or not runnable here.
 *
 * @example
 * const bun = findRuntime("bun"); // { command: ".../node_modules/@oven/bun-linux-x64/bin/bun", version: "1.4.4", ... }
 */
export function findRuntime(name: RuntimeName, root = REPO_ROOT, path = ""): Runtime | undefined {
  if (name === "node") {
    return {
      name,
      command: process.execPath,
      version: process.version.replace(/^v/, ""),
      runTs: (file) => ["--import", "tsx", file],
      env: {},
    };
  }
  const onPath = path
    .split(delimiter)
    .filter((dir) => dir !== "")
    .map((dir) => join(dir, name));
  for (const command of [...CANDIDATES[name].map((rel) => join(root, rel)), ...onPath]) {
    // The bun.exe placeholder that the postinstall would replace is a tiny text file.
    if (!existsSync(command) || statSync(command).size < 1_000_000) continue;
    const raw = versionOf(command, ["--version"]);
    if (!raw) continue;
    const version = raw.replace(/^deno\s+/, "").split(" ")[0] ?? raw;
    if (name === "bun") return { name, command, version, runTs: (file) => [file], env: {} };
    return {
      name,
      command,
      version,
      runTs: (file) => ["run", "-A", "--no-lock", file],
      env: { DENO_NO_UPDATE_CHECK: "1", DENO_DIR: join(root, "node_modules", ".cache", "deno") },
    };
  }
  return undefined;
}

/** The entry that runs `serve <role...>` on a runtime, relative to the repo root. */
export function serveEntry(name: RuntimeName): string[] {
  switch (name) {
    case "node":
      return ["src/cli/main.ts", "serve"];
    case "bun":
      return ["src/http/bun-main.ts"];
    case "deno":
      return ["src/http/deno-main.ts"];
  }
}

/**
 * The arguments that run `playpulse serve <role...>` on a runtime: from src/ (TypeScript) or
 * dist/ (compiled), whichever this module was loaded from; Deno with the least permissions.
 *
 * @example
 * const rt = findRuntime("deno");
 * spawn(rt.command, serveArgs(rt, ["ingest", "query"]), { env: { ...processEnv(), ...rt.env } });
 */
export function serveArgs(rt: Runtime, roles: readonly string[], root = REPO_ROOT): string[] {
  const dir = EXT === ".ts" ? "src" : "dist";
  switch (rt.name) {
    case "node":
      return [...(EXT === ".ts" ? ["--import", "tsx"] : []), join(root, dir, "cli", `main${EXT}`), "serve", ...roles];
    case "bun":
      return [join(root, dir, "http", `bun-main${EXT}`), ...roles];
    case "deno":
      return ["run", "--no-lock", ...denoServePermissions(root), join(root, dir, "http", `deno-main${EXT}`), ...roles];
  }
}

/**
 * The arguments of a Bun or Deno entry point: `<role...>`, or `serve <role...>` as the Node image
 * takes them, so an image or a manifest switches runtime without changing its arguments.
 *
 * @example
 * serveArgsOf(["serve", "ingest", "query"]); // ["ingest", "query"]
 */
export function serveArgsOf(argv: readonly string[]): string[] {
  return argv[0] === "serve" ? argv.slice(1) : [...argv];
}
