import { describe, expect, it } from "vitest";
import { auditVerdict } from "../../scripts/audit-verdict.ts";

/** The verdict `npm test` acts on (scripts/audit.ts), over npm audit's JSON (report version 2). */
const report = (vulnerabilities: Record<string, unknown>) => JSON.stringify({ auditReportVersion: 2, vulnerabilities });
const advisory = (name: string, severity: string, ghsa: string) => ({
  source: 1,
  name,
  title: `${name} is bad`,
  url: `https://github.com/advisories/${ghsa}`,
  severity,
  range: "<2",
});
const DOCS = "| GHSA-aaaa-bbbb-cccc | lib-a | why it cannot be reached |";

describe("npm audit verdict", () => {
  it.each([
    ["no vulnerabilities", report({}), { kind: "clean", explained: [] }],
    [
      "a moderate one only",
      report({ x: { via: [advisory("x", "moderate", "GHSA-1111-2222-3333")] } }),
      { kind: "clean", explained: [] },
    ],
    [
      "a high one that docs/security.md explains, reached through another package too",
      report({ "lib-a": { via: [advisory("lib-a", "high", "GHSA-aaaa-bbbb-cccc")] }, parent: { via: ["lib-a"] } }),
      {
        kind: "clean",
        explained: [{ id: "GHSA-aaaa-bbbb-cccc", package: "lib-a", severity: "high", title: "lib-a is bad" }],
      },
    ],
    [
      "a critical one that nothing explains",
      report({ y: { via: [advisory("y", "critical", "GHSA-9999-8888-7777")] } }),
      {
        kind: "unexplained",
        advisories: [{ id: "GHSA-9999-8888-7777", package: "y", severity: "critical", title: "y is bad" }],
      },
    ],
    [
      "the audit endpoint refused",
      JSON.stringify({
        message: "405 Method Not Allowed - POST https://registry.npmjs.org/-/npm/v1/security/advisories/bulk",
      }),
      {
        kind: "unavailable",
        reason:
          "the audit service gave no report: 405 Method Not Allowed - POST https://registry.npmjs.org/-/npm/v1/security/advisories/bulk",
      },
    ],
    [
      "no JSON at all",
      "npm ERR! network",
      { kind: "unavailable", reason: "npm audit printed no JSON: npm ERR! network" },
    ],
  ])("%s", (_, stdout, verdict) => {
    expect(auditVerdict(stdout, DOCS)).toEqual(verdict);
  });
});
