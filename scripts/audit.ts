/**
 * `npm audit --omit=dev`, as `npm test` runs it (docs/security.md, "Dependency audit"): fails on a
 * high or critical advisory of a runtime dependency that docs/security.md does not explain by its
 * GHSA id. When the audit service cannot be asked, it fails on CI (`CI` set: CI machines reach the
 * npm registry) and elsewhere says loudly that nothing was checked and goes on.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { processEnv } from "../src/config.ts";
import { auditVerdict } from "./audit-verdict.ts";

const run = spawnSync("npm", ["audit", "--omit=dev", "--json"], { encoding: "utf8", timeout: 120_000 });
const docs = readFileSync(new URL("../docs/security.md", import.meta.url), "utf8");
const verdict = auditVerdict(run.stdout ?? "", docs);
const ci = (processEnv().CI ?? "") !== "" && processEnv().CI !== "false";

switch (verdict.kind) {
  case "clean":
    console.log(
      `npm audit --omit=dev: no high or critical advisory${verdict.explained.length > 0 ? ` beyond the ${verdict.explained.length} explained in docs/security.md` : ""}`,
    );
    break;
  case "unexplained":
    console.error("npm audit --omit=dev: high or critical advisories not explained in docs/security.md:");
    for (const a of verdict.advisories) console.error(`  ${a.id} ${a.severity} ${a.package}: ${a.title}`);
    process.exitCode = 1;
    break;
  case "unavailable":
    if (ci) {
      console.error(`npm audit --omit=dev could not run on CI: ${verdict.reason}`);
      process.exitCode = 1;
    } else {
      console.warn(`npm audit --omit=dev NOT CHECKED (it fails on CI): ${verdict.reason}`);
    }
    break;
}
