import { readFileSync } from "node:fs";

/**
 * The installed version, from the package.json two folders up: the same file from
 * `src/cli/` (tsx), `dist/cli/` (the build, the Docker image) and an npm install.
 *
 * @example
 * process.stdout.write(`playpulse ${packageVersion()}\n`);
 */
export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version?: unknown };
  return typeof pkg.version === "string" ? pkg.version : "unknown";
}
