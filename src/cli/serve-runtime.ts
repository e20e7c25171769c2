import { spawn } from "node:child_process";
import { processEnv, systemPath } from "../config.ts";
import { findRuntime, RUNTIMES, serveArgs, type Runtime, type RuntimeName } from "../http/runtimes.ts";
import { runtimeHeapEnv } from "../roles/index.ts";

/** `--runtime <name>` or `--runtime=<name>` taken out of the arguments; `runtime` undefined when absent. */
export function takeRuntimeFlag(args: readonly string[]): { runtime: RuntimeName | undefined; rest: string[] } {
  const rest: string[] = [];
  let runtime: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? "";
    if (arg === "--runtime") {
      runtime = args[++i];
      if (runtime === undefined) throw new Error(`--runtime needs a value: ${RUNTIMES.join(", ")}`);
    } else if (arg.startsWith("--runtime=")) runtime = arg.slice("--runtime=".length);
    else rest.push(arg);
  }
  if (runtime !== undefined && !(RUNTIMES as readonly string[]).includes(runtime)) {
    throw new Error(`unknown runtime "${runtime}"; runtimes are ${RUNTIMES.join(", ")}`);
  }
  return { runtime: runtime as RuntimeName | undefined, rest };
}

/**
 * The environment of the runtime's process: this process's, with the runtime's own over it and,
 * for Deno, the Deno image's heap limit under it (a `DENO_V8_FLAGS` of the caller's wins).
 *
 * @example
 * runtimeEnv(findRuntime("deno")!, { PATH: "/usr/bin" }).DENO_V8_FLAGS; // "--max-old-space-size=256"
 */
export function runtimeEnv(
  rt: Pick<Runtime, "name" | "env">,
  env: Record<string, string | undefined>,
): Record<string, string | undefined> {
  return { ...runtimeHeapEnv(rt.name), ...env, ...rt.env };
}

/**
 * Runs `serve <role...>` on Bun or Deno as a child process with this process's environment and
 * stdio (Deno with the image's heap limit, `DENO_V8_FLAGS`), passes SIGTERM and SIGINT on, and
 * resolves with its exit code.
 *
 * @example
 * process.exitCode = await serveOnRuntime("bun", ["ingest", "query"]);
 */
export async function serveOnRuntime(name: RuntimeName, roles: readonly string[]): Promise<number> {
  const env = processEnv();
  const rt = findRuntime(name, undefined, systemPath(env));
  if (!rt) {
    process.stderr.write(
      `playpulse: ${name} was not found under node_modules or on PATH; install it ` +
        `(npm install ${name === "bun" ? "bun" : "@deno/linux-x64-glibc"}, or see docs/deploy.md)\n`,
    );
    return 2;
  }
  const child = spawn(rt.command, serveArgs(rt, roles), { env: runtimeEnv(rt, env), stdio: "inherit" });
  const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
  const onTerm = forward("SIGTERM");
  const onInt = forward("SIGINT");
  process.on("SIGTERM", onTerm);
  process.on("SIGINT", onInt);
  try {
    return await new Promise<number>((resolve, reject) => {
      child.once("error", reject);
      child.once("close", (code, signal) => resolve(code ?? (signal ? 1 : 0)));
    });
  } finally {
    process.off("SIGTERM", onTerm);
    process.off("SIGINT", onInt);
  }
}
