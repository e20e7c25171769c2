import { METRIC_NAMES, type MetricName } from "./verdict-shapes.ts";

export { METRIC_NAMES };
export type { MetricName };

export type MetricKind = "proportion" | "mean" | "ratio";

export interface MetricSpec {
  kind: MetricKind;
  /** Which direction is an improvement: a guardrail is breached by a significant move the other way. */
  better: "higher" | "lower";
  test: "two-proportion z" | "Welch t" | "delta method";
  description: string;
}

/** The metrics an experiment can be judged on (METRIC_NAMES), each with the test that fits its kind. */
export const METRICS: Readonly<Record<MetricName, MetricSpec>> = {
  completion_rate: {
    kind: "proportion",
    better: "higher",
    test: "two-proportion z",
    description: "views that completed / views",
  },
  failure_rate: {
    kind: "proportion",
    better: "lower",
    test: "two-proportion z",
    description: "views with a fatal failure / views",
  },
  exit_before_start_rate: {
    kind: "proportion",
    better: "lower",
    test: "two-proportion z",
    description: "views that ended before the first frame / views",
  },
  watch_time_per_view: {
    kind: "mean",
    better: "higher",
    test: "Welch t",
    description: "mean played_ms per view (milliseconds)",
  },
  rebuffer_ratio: {
    kind: "ratio",
    better: "lower",
    test: "delta method",
    description: "Σ rebuffer_ms / Σ (played_ms + rebuffer_ms), the unit being the view",
  },
};
