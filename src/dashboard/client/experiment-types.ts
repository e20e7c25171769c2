/** The verdict shapes of /v1/experiments and /v1/experiments/:id (docs/experiments.md). */
export type ExperimentMetric =
  "completion_rate" | "failure_rate" | "exit_before_start_rate" | "watch_time_per_view" | "rebuffer_ratio";

export interface MetricResult {
  metric: ExperimentMetric;
  test: string;
  control_value: number | null;
  value: number | null;
  abs_diff: number | null;
  rel_diff: number | null;
  ci: [number, number] | null;
  p: number | null;
  sequential: { ci: [number, number]; p: number } | null;
  direction: "better" | "worse" | "none";
}

export interface Verdict {
  experiment_id: string;
  from: string;
  control: string;
  srm: { flagged: boolean; p: number | null; observed: Record<string, number>; expected: Record<string, number> };
  warnings: string[];
  arms: { variant: string; weight: number; views: number }[];
  variants: {
    variant: string;
    views: number;
    decision: "better" | "worse" | "inconclusive" | "not_trustworthy";
    metrics: Record<ExperimentMetric, MetricResult>;
  }[];
  guardrail_breaches: { variant: string; metric: ExperimentMetric }[];
}

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
