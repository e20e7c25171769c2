import { createHash } from "node:crypto";
import type { ExperimentDecision, ExperimentEvent } from "../events/index.ts";
import type { ExperimentVerdict } from "../experiments/index.ts";

/** What of a verdict is announced when it changes: SRM, each variant's decision, the guardrails breached. */
export interface Digest {
  srm: boolean;
  decisions: Record<string, ExperimentDecision>;
  /** `variant:metric`, sorted. */
  guardrails_breached: string[];
}

/** The last announced verdict of one experiment: its digest, how many changes so far, the guardrails breached. */
export interface Known {
  digest: string;
  changes: number;
  breached: ReadonlySet<string>;
}

const hash = (parts: unknown[]) => createHash("sha256").update(JSON.stringify(parts)).digest("hex").slice(0, 32);

const isEvaluated = (e: unknown): e is ExperimentEvent =>
  typeof e === "object" && e !== null && (e as ExperimentEvent).type === "analytics.experiment.evaluated";

const text = (d: Digest) =>
  JSON.stringify({ srm: d.srm, decisions: d.decisions, guardrails_breached: d.guardrails_breached });

/** The digest of a verdict (variants in the definition's order, guardrails sorted). */
export function digestOf(v: ExperimentVerdict): Digest {
  return {
    srm: v.srm.flagged,
    decisions: Object.fromEntries(v.variants.map((x) => [x.variant, x.decision])),
    guardrails_breached: v.guardrail_breaches.map((b) => `${b.variant}:${b.metric}`).sort(),
  };
}

/**
 * The state per experiment after the announced events (oldest first): the last
 * `analytics.experiment.evaluated` of each, and how many there were. Anything else is ignored.
 *
 * @example
 * const known = restoreKnown(announced); // Map { "exp_abr" => { digest, changes: 2, breached } }
 */
export function restoreKnown(announced: readonly unknown[]): Map<string, Known> {
  const known = new Map<string, Known>();
  for (const e of announced.filter(isEvaluated)) {
    known.set(e.experiment_id, {
      digest: text(e),
      changes: (known.get(e.experiment_id)?.changes ?? 0) + 1,
      breached: new Set(e.guardrails_breached),
    });
  }
  return known;
}

/**
 * What one evaluation announces, pure: nothing when the digest is the last announced one; else an
 * `analytics.experiment.evaluated` and one `analytics.experiment.guardrail_breached` per guardrail
 * not breached before, with ids from the experiment, its count of changes and the change itself
 * (the same change is the same id after a restart; a verdict that changes back is a new change).
 *
 * @example
 * const change = nextChange(known.get(id), { experiment_id: id, views: 400, now: Date.now() }, digestOf(verdict));
 * if (change) { for (const e of change.events) await announce(e); known.set(id, change.known); }
 */
export function nextChange(
  prev: Known | undefined,
  at: { experiment_id: string; views: number; now: number },
  digest: Digest,
): { events: ExperimentEvent[]; known: Known } | null {
  const current = text(digest);
  if (prev?.digest === current) return null;
  const changes = (prev?.changes ?? 0) + 1;
  const id = at.experiment_id;
  const base = {
    schema_version: 1 as const,
    experiment_id: id,
    evaluated_at: new Date(at.now).toISOString(),
    views: at.views,
    ...digest,
  };
  const events: ExperimentEvent[] = [
    {
      ...base,
      id: `experiment.evaluated.${id}.${hash([id, changes, current])}`,
      type: "analytics.experiment.evaluated",
    },
    ...digest.guardrails_breached
      .filter((g) => !prev?.breached.has(g))
      .map((g): ExperimentEvent => ({
        ...base,
        id: `experiment.guardrail_breached.${id}.${hash([id, changes, g])}`,
        type: "analytics.experiment.guardrail_breached",
        guardrail: g,
      })),
  ];
  return { events, known: { digest: current, changes, breached: new Set(digest.guardrails_breached) } };
}
