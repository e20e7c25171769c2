import { analyticsSubject, type ExperimentEvent } from "../events/index.ts";
import { evaluateExperiment, recordEvaluations, type ExperimentDefinition } from "../experiments/index.ts";
import type { Store } from "../store/index.ts";
import { digestOf, nextChange, restoreKnown, type Known } from "./experiment-changes.ts";
import type { Announcement } from "./stream.ts";

const isExperimentEvent = (e: unknown): e is ExperimentEvent =>
  typeof e === "object" && e !== null && typeof (e as ExperimentEvent).experiment_id === "string";

/**
 * The experiment half of the evaluations role: each running experiment's verdict (decisions per
 * variant, SRM, guardrails breached) is announced as `analytics.experiment.evaluated` when it
 * changes, and each newly breached guardrail as `analytics.experiment.guardrail_breached`
 * (./experiment-changes.ts), then the evaluated event is recorded in `experiment_evaluations` for
 * the history the API and the dashboard show. The state is restored from the announced events at
 * start (and they are recorded again, idempotent). A change whose announcement or record fails is
 * not remembered, so the next evaluation makes it again: the same change, the same ids.
 *
 * @example
 * const experiments = createExperimentEvaluator({ store, prefix: "", definitions: () => defs.list(), announce });
 * await experiments.restore(announcedEvents);
 * await experiments.evaluate(Date.now());
 */
export function createExperimentEvaluator(deps: {
  store: Store;
  prefix: string;
  definitions: () => Promise<ExperimentDefinition[]>;
  announce: (a: Announcement) => Promise<{ duplicate: boolean }>;
}) {
  let known = new Map<string, Known>();

  return {
    /** Takes back what was announced (oldest first) and records the evaluations again (idempotent). */
    async restore(announced: readonly unknown[]) {
      known = restoreKnown(announced);
      await recordEvaluations(deps.store, announced.filter(isExperimentEvent));
    },
    /** One evaluation of every started experiment as of `now`; returns what it announced. */
    async evaluate(now: number): Promise<ExperimentEvent[]> {
      const out: ExperimentEvent[] = [];
      for (const def of await deps.definitions()) {
        if (def.started_at > now) continue;
        const v = await evaluateExperiment({ store: deps.store }, def, now);
        const views = Object.values(v.srm.observed).reduce((a, b) => a + b, 0);
        const change = nextChange(known.get(def.id), { experiment_id: def.id, views, now }, digestOf(v));
        if (!change) continue;
        for (const e of change.events) {
          await deps.announce({ subject: analyticsSubject(deps.prefix, e.type), id: e.id, body: e });
        }
        await recordEvaluations(deps.store, change.events);
        known.set(def.id, change.known);
        out.push(...change.events);
      }
      return out;
    },
  };
}
