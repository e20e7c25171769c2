/**
 * The answers of /v1/experiments, /v1/experiments/:id and /v1/experiments/:id/evaluations
 * (docs/experiments.md). The verdict's shapes are the server's own (src/experiments/verdict-shapes.ts:
 * types and the metric list only), an evaluation is the announced event (src/events/analytics.ts: types only).
 */
import type { ExperimentEvent } from "../../events/analytics.ts";
import type { ExperimentVerdict, MetricName, MetricResult } from "../../experiments/verdict-shapes.ts";

export type ExperimentMetric = MetricName;
export type Verdict = ExperimentVerdict;
export type { MetricResult };

export interface ExperimentAnswer {
  warnings: string[];
  definition: {
    id: string;
    primary_metric: ExperimentMetric;
    guardrails: ExperimentMetric[];
    started_at: string;
  } | null;
  verdict: Verdict | null;
}

export interface ExperimentListItem {
  id: string;
  primary_metric: ExperimentMetric;
  started_at: string;
  source: "config" | "api";
  views: Record<string, number>;
  warnings: string[];
  decisions: Record<string, string>;
}

export interface EvaluationsAnswer {
  as_of: string;
  experiment_id: string;
  evaluations: ExperimentEvent[];
}
