/**
 * The shapes of an experiment's verdict (docs/experiments.md): the metric names and the answer of
 * GET /v1/experiments/:id. No imports and no logic, so the dashboard (src/dashboard/client) uses
 * these same types, and the metric list, instead of copies.
 */

/** The metrics an experiment can be judged on (./metrics.ts gives each its test). */
export const METRIC_NAMES = [
  "completion_rate",
  "failure_rate",
  "exit_before_start_rate",
  "watch_time_per_view",
  "rebuffer_ratio",
] as const;
export type MetricName = (typeof METRIC_NAMES)[number];

export interface Srm {
  flagged: boolean;
  p: number | null;
  chi2: number | null;
  df: number;
  /** Views each variant has and the views its weight expects. */
  observed: Record<string, number>;
  expected: Record<string, number>;
}

export interface MetricResult {
  metric: MetricName;
  test: string;
  control_value: number | null;
  value: number | null;
  abs_diff: number | null;
  /** abs_diff / control_value. */
  rel_diff: number | null;
  /** Fixed-horizon 95 % interval of abs_diff: valid for one look at a sample size fixed in advance. */
  ci: [number, number] | null;
  p: number | null;
  /** Always-valid 95 % interval and p-value (mSPRT): valid however often the answer is looked at. */
  sequential: { ci: [number, number]; p: number } | null;
  /** "better"/"worse" when the always-valid interval excludes 0, else "none". */
  direction: "better" | "worse" | "none";
}

export interface VariantVerdict {
  variant: string;
  views: number;
  /** The primary metric on the always-valid interval; "not_trustworthy" while SRM holds. */
  decision: "better" | "worse" | "inconclusive" | "not_trustworthy";
  metrics: Record<MetricName, MetricResult>;
}

export interface GuardrailBreach {
  variant: string;
  metric: MetricName;
  abs_diff: number;
  sequential_ci: [number, number];
  sequential_p: number;
}

export interface ExperimentVerdict {
  experiment_id: string;
  evaluated_at: string;
  from: string;
  to: string;
  control: string;
  srm: Srm;
  /** "SRM: results are not trustworthy" while the sample ratio mismatch holds, and other caveats. */
  warnings: string[];
  /** Arms with views that the definition does not name (left out of every statistic). */
  unknown_variants: Record<string, number>;
  arms: { variant: string; weight: number; views: number; values: Record<MetricName, number | null> }[];
  variants: VariantVerdict[];
  guardrail_breaches: GuardrailBreach[];
}
