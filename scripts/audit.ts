/**
 * `npm audit --omit=dev`, as `npm test` runs it (docs/security.md, "Dependency audit"): fails on a
 * high or critical advisory of a runtime dependency that docs/security.md does not explain by its
 * GHSA id. When the audit service cannot be asked, it says loudly that nothing was checked, and why,
 * and goes on (docs/security.md, "Dependency audit").
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { auditVerdict } from "./audit-verdict.ts";

const run = spawnSync("npm", ["audit", "--omit=dev", "--json"], { encoding: "utf8", timeout: 120_000 });
const docs = readFileSync(new URL("../docs/security.md", import.meta.url), "utf8");
const verdict = auditVerdict(run.stdout ?? "", docs);

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
    // Not a failure: this workplace's registry (registry.npmjs.org through its proxy) answers 405 to
    // the audit endpoint on every machine, CI included, so failing would fail every run. The line
    // says plainly that nothing was checked, and why.
    console.warn(`npm audit --omit=dev NOT CHECKED: ${verdict.reason}`);
    break;
}
