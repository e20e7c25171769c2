import { createHash } from "node:crypto";
import { analyticsSubject, type ExperimentEvent } from "../events/index.ts";
import { evaluateExperiment, type ExperimentDefinition } from "../experiments/index.ts";
import type { Store } from "../store/index.ts";
import type { Announcement } from "./stream.ts";

interface Digest {
  srm: boolean;
  decisions: Record<string, string>;
  guardrails_breached: string[];
}

interface Known {
  digest: string;
  changes: number;
  breached: Set<string>;
}

const isEvaluated = (e: unknown): e is ExperimentEvent =>
  typeof e === "object" && e !== null && (e as ExperimentEvent).type === "analytics.experiment.evaluated";

const hash = (parts: unknown[]) => createHash("sha256").update(JSON.stringify(parts)).digest("hex").slice(0, 32);

/**
 * The experiment half of the evaluations role: each running experiment's verdict (decisions per
 * variant, SRM, guardrails breached) is announced as `analytics.experiment.evaluated` when it
 * changes, and each newly breached guardrail as `analytics.experiment.guardrail_breached`. Ids
 * count the experiment's changes, so the same change is the same id after a restart (state is
 * restored from the announced events) and a later change back to an earlier verdict is a new one.
 *
 * @example
 * const experiments = createExperimentEvaluator({ store, prefix: "", definitions: () => defs.list(), announce });
 */
export function createExperimentEvaluator(deps: {
  store: Store;
  prefix: string;
  definitions: () => Promise<ExperimentDefinition[]>;
  announce: (a: Announcement) => Promise<{ duplicate: boolean }>;
}) {
  const known = new Map<string, Known>();

  async function send(e: ExperimentEvent) {
    await deps.announce({ subject: analyticsSubject(deps.prefix, e.type), id: e.id, body: e });
  }

  return {
    restore(announced: readonly unknown[]) {
      for (const e of announced.filter(isEvaluated)) {
        const prev = known.get(e.experiment_id);
        const digest: Digest = { srm: e.srm, decisions: e.decisions, guardrails_breached: e.guardrails_breached };
        known.set(e.experiment_id, {
          digest: JSON.stringify(digest),
          changes: (prev?.changes ?? 0) + 1,
          breached: new Set(e.guardrails_breached),
        });
      }
    },
    async evaluate(now: number): Promise<ExperimentEvent[]> {
      const out: ExperimentEvent[] = [];
      for (const def of await deps.definitions()) {
        if (def.started_at > now) continue;
        const v = await evaluateExperiment({ store: deps.store }, def, now);
        const digest: Digest = {
          srm: v.srm.flagged,
          decisions: Object.fromEntries(v.variants.map((x) => [x.variant, x.decision])),
          guardrails_breached: v.guardrail_breaches.map((b) => `${b.variant}:${b.metric}`).sort(),
        };
        const prev = known.get(def.id);
        const text = JSON.stringify(digest);
        if (prev?.digest === text) continue;
        const changes = (prev?.changes ?? 0) + 1;
        const base = {
          schema_version: 1 as const,
          experiment_id: def.id,
          evaluated_at: new Date(now).toISOString(),
          views: Object.values(v.srm.observed).reduce((a, b) => a + b, 0),
          ...digest,
        };
        const events: ExperimentEvent[] = [
          {
            ...base,
            id: `experiment.evaluated.${def.id}.${hash([def.id, changes, text])}`,
            type: "analytics.experiment.evaluated",
          },
          ...digest.guardrails_breached
            .filter((g) => !prev?.breached.has(g))
            .map((g): ExperimentEvent => ({
              ...base,
              id: `experiment.guardrail_breached.${def.id}.${hash([def.id, changes, g])}`,
              type: "analytics.experiment.guardrail_breached",
            })),
        ];
        for (const e of events) await send(e);
        known.set(def.id, { digest: text, changes, breached: new Set(digest.guardrails_breached) });
        out.push(...events);
      }
      return out;
    },
  };
}
