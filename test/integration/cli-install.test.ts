import { execFile } from "node:child_process";
import { mkdtemp, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { processEnv } from "../../src/config.ts";

const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));
const VERSION = (await import("../../package.json", { with: { type: "json" } })).default.version;
const run = promisify(execFile);

/** Runs a command with the test's environment; resolves with its output, rejects on a non-zero exit. */
function sh(file: string, args: readonly string[], cwd = REPO_ROOT) {
  return run(file, [...args], { cwd, env: { ...processEnv() }, maxBuffer: 64 * 1024 * 1024 });
}

interface PackResult {
  filename: string;
  files: { path: string }[];
}

/**
 * The CLI the way users get it: `npm pack` (which builds dist/ first), the tarball installed into
 * a temporary prefix as `npm install -g` does (a symlink in <prefix>/bin), and run from there.
 */
describe("playpulse as npm installs it", () => {
  let tmp = "";
  let pack: PackResult;

  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), "playpulse-pack-"));
    const { stdout } = await sh("npm", ["pack", "--json", "--pack-destination", tmp]);
    pack = (JSON.parse(stdout) as PackResult[])[0] as PackResult;
  }, 240_000);
  afterAll(async () => {
    if (tmp !== "") await rm(tmp, { recursive: true, force: true });
  });

  it("packs the launcher and the build: no sources, tests or benchmark", () => {
    const paths = pack.files.map((f) => f.path);
    expect(paths).toContain("bin/playpulse");
    expect(paths).toContain("dist/cli/main.js");
    expect(paths).toContain("package.json");
    expect(paths.filter((p) => /^(src|test|bench)\/|\.test\.js$|^dist\/bench\//.test(p))).toEqual([]);
  });

  it(
    "installs into a prefix; `playpulse --help` and `--version` run through npm's bin symlink",
    { timeout: 300_000 },
    async () => {
      const prefix = join(tmp, "prefix");
      await sh(
        "npm",
        ["install", "-g", "--prefix", prefix, join(tmp, pack.filename), "--prefer-offline", "--no-audit", "--no-fund"],
        tmp,
      );
      const bin = join(prefix, "bin", "playpulse");
      const version = await sh(bin, ["--version"], tmp);
      expect(version.stdout).toBe(`playpulse ${VERSION}\n`);
      const help = await sh(bin, ["--help"], tmp);
      expect(help.stdout).toMatch(
        /^playpulse: real-time analytics and recommendations for video streaming\n\nusage: playpulse <command>/,
      );
      expect(help.stdout).toContain("--version");
    },
  );

  it("runs as `node bin/playpulse` and through a symlink to the checkout (npm link)", async () => {
    const direct = await sh(process.execPath, ["bin/playpulse", "--version"]);
    expect(direct.stdout).toBe(`playpulse ${VERSION}\n`);
    const link = join(tmp, "linked-playpulse");
    await symlink(join(REPO_ROOT, "bin", "playpulse"), link);
    const linked = await sh(link, ["help", "dlq"], tmp);
    expect(linked.stdout).toMatch(/^usage: playpulse dlq <list\|show\|redrive\|purge>/);
  });
});
