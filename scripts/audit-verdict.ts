/**
 * The verdict on `npm audit --omit=dev --json`: clean, high or critical advisories that
 * docs/security.md does not explain, or no answer at all (the audit service was not reached).
 * Pure, for test/lint/audit.test.ts; scripts/audit.ts runs npm and acts on it.
 */

export interface Advisory {
  /** The GitHub advisory id (`GHSA-xxxx-xxxx-xxxx`), or the advisory URL when it has none. */
  id: string;
  package: string;
  severity: string;
  title: string;
}

export type AuditVerdict =
  | { kind: "clean"; explained: Advisory[] }
  | { kind: "unexplained"; advisories: Advisory[] }
  | { kind: "unavailable"; reason: string };

const SERIOUS = new Set(["high", "critical"]);

interface Via {
  name?: string;
  title?: string;
  url?: string;
  severity?: string;
}

function advisoriesOf(vulnerabilities: Record<string, { via?: unknown[] }>): Advisory[] {
  const found = new Map<string, Advisory>();
  for (const v of Object.values(vulnerabilities))
    for (const via of v.via ?? []) {
      if (typeof via !== "object" || via === null) continue; // a string names another entry: it has its own
      const a = via as Via;
      if (!SERIOUS.has(a.severity ?? "")) continue;
      const id = /GHSA-[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}/i.exec(a.url ?? "")?.[0] ?? a.url ?? a.title ?? "unknown";
      found.set(id, { id, package: a.name ?? "?", severity: a.severity ?? "?", title: a.title ?? "" });
    }
  return [...found.values()].sort((x, y) => (x.id < y.id ? -1 : 1));
}

/**
 * `stdout` is npm's JSON; `explanations` the text in which each accepted advisory is named by id
 * (docs/security.md, "Dependency audit").
 */
export function auditVerdict(stdout: string, explanations: string): AuditVerdict {
  let report: unknown;
  try {
    report = JSON.parse(stdout);
  } catch {
    return { kind: "unavailable", reason: `npm audit printed no JSON: ${stdout.slice(0, 200)}` };
  }
  const r = report as { vulnerabilities?: Record<string, { via?: unknown[] }>; message?: string; error?: unknown };
  if (typeof r.vulnerabilities !== "object" || r.vulnerabilities === null) {
    const why = r.message ?? JSON.stringify(r.error ?? report).slice(0, 300);
    return { kind: "unavailable", reason: `the audit service gave no report: ${why}` };
  }
  const serious = advisoriesOf(r.vulnerabilities);
  const unexplained = serious.filter((a) => !explanations.includes(a.id));
  if (unexplained.length > 0) return { kind: "unexplained", advisories: unexplained };
  return { kind: "clean", explained: serious };
}
