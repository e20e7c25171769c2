import type { Store } from "../store/index.ts";
import { armSums } from "./aggregates.ts";
import type { ExperimentDefinition } from "./definition.ts";
import { verdictFromArms, type ExperimentVerdict } from "./verdict.ts";

/** Events may carry a client clock up to 24 h ahead (what the edge accepts): they count. */
const SKEW_MS = 24 * 3600_000;

export interface EvaluateDeps {
  store: Store;
}

/**
 * Evaluates one experiment as of `nowMs`: the per-view sums of each arm from ClickHouse over
 * [started_at, nowMs + 24 h) (the clock skew the edge accepts), then SRM, every metric against control (fixed-horizon and
 * always-valid) and the guardrails breached. What the evaluations consumer and GET /v1/experiments/:id call.
 *
 * @example
 * const verdict = await evaluateExperiment({ store }, definition, Date.now());
 * if (verdict.srm.flagged) console.log(verdict.warnings[0]); // "SRM: results are not trustworthy"
 */
export async function evaluateExperiment(
  deps: EvaluateDeps,
  definition: ExperimentDefinition,
  nowMs: number,
  range?: { from?: number; to?: number },
): Promise<ExperimentVerdict> {
  const from = range?.from ?? definition.started_at;
  const to = range?.to ?? nowMs + SKEW_MS;
  const arms = await armSums(deps.store, definition.id, { from, to });
  return verdictFromArms(definition, arms, { from, to, now: nowMs });
}
