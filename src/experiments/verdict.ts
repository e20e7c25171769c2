import type { ArmSums } from "./aggregates.ts";
import { proportionOf } from "./aggregates.ts";
import type { ExperimentDefinition } from "./definition.ts";
import { METRIC_NAMES, METRICS, type MetricName } from "./metrics.ts";
import { sequentialInterval } from "./sequential.ts";
import { sampleRatioMismatch, SRM_WARNING } from "./srm.ts";
import type { ExperimentVerdict, GuardrailBreach, MetricResult, VariantVerdict } from "./verdict-shapes.ts";
import { deltaRatio, meanVar, ratioDelta, twoProportionZ, welchT, type Comparison } from "./tests.ts";

export type { ExperimentVerdict, GuardrailBreach, MetricResult, VariantVerdict };

export const ALPHA = 0.05;

const EMPTY = (variant: string): ArmSums => ({
  variant,
  views: 0,
  completed: 0,
  failed: 0,
  exitedBeforeStart: 0,
  watch: { n: 0, sum: 0, sumSq: 0 },
  rebuffer: { n: 0, sumX: 0, sumY: 0, sumXX: 0, sumYY: 0, sumXY: 0 },
});

/** The value of a metric for one arm (null without views). */
export function metricValue(arm: ArmSums, metric: MetricName): number | null {
  if (arm.views === 0) return null;
  const kind = METRICS[metric].kind;
  if (kind === "proportion") {
    const pr = proportionOf(arm, metric as "completion_rate");
    return pr.x / pr.n;
  }
  if (kind === "mean") return meanVar(arm.watch).mean;
  return arm.rebuffer.sumY === 0 ? null : ratioDelta(arm.rebuffer).ratio;
}

function compare(metric: MetricName, a: ArmSums, b: ArmSums): Comparison | null {
  if (a.views < 2 || b.views < 2) return null;
  const kind = METRICS[metric].kind;
  if (kind === "proportion") {
    const m = metric as "completion_rate";
    return twoProportionZ(proportionOf(a, m), proportionOf(b, m), ALPHA);
  }
  if (kind === "mean") return welchT(a.watch, b.watch, ALPHA);
  if (a.rebuffer.sumY === 0 || b.rebuffer.sumY === 0) return null;
  return deltaRatio(a.rebuffer, b.rebuffer, ALPHA);
}

function metricResult(metric: MetricName, a: ArmSums, b: ArmSums, plannedViews: number): MetricResult {
  const spec = METRICS[metric];
  const [cv, v] = [metricValue(a, metric), metricValue(b, metric)];
  const c = compare(metric, a, b);
  const seq = c ? sequentialInterval(c.diff, c.se, a.views + b.views, plannedViews, ALPHA) : null;
  const significant = seq !== null && (seq.ci[0] > 0 || seq.ci[1] < 0);
  const up = c !== null && c.diff > 0;
  return {
    metric,
    test: spec.test,
    control_value: cv,
    value: v,
    abs_diff: c ? c.diff : null,
    rel_diff: c && cv ? c.diff / cv : null,
    ci: c ? c.ci : null,
    p: c ? c.p : null,
    sequential: seq ? { ci: seq.ci, p: seq.p } : null,
    direction: !significant ? "none" : up === (spec.better === "higher") ? "better" : "worse",
  };
}

/**
 * The verdict from per-arm sums: SRM against the weights, then every metric of every variant
 * against the control (the definition's first arm), and the guardrails breached. Pure.
 *
 * @example
 * const verdict = verdictFromArms(definition, arms, { from, to, now: Date.now() });
 */
export function verdictFromArms(
  def: ExperimentDefinition,
  arms: readonly ArmSums[],
  at: { from: number; to: number; now: number },
): ExperimentVerdict {
  const byName = new Map(arms.map((a) => [a.variant, a]));
  const defined = def.variants.map((v) => ({ ...v, sums: byName.get(v.name) ?? EMPTY(v.name) }));
  const known = new Set(def.variants.map((v) => v.name));
  const unknown = Object.fromEntries(arms.filter((a) => !known.has(a.variant)).map((a) => [a.variant, a.views]));
  const srm = sampleRatioMismatch(defined.map((v) => ({ name: v.name, weight: v.weight, views: v.sums.views })));
  const warnings = srm.flagged ? [SRM_WARNING] : [];
  if (Object.keys(unknown).length > 0) {
    warnings.push(`views naming variants outside the definition are left out: ${Object.keys(unknown).join(", ")}`);
  }
  const [control, ...rest] = defined;
  if (!control) throw new Error("a definition has at least two variants");
  const variants = rest.map((v): VariantVerdict => {
    const metrics = Object.fromEntries(
      METRIC_NAMES.map((m) => [m, metricResult(m, control.sums, v.sums, def.planned_views)]),
    ) as Record<MetricName, MetricResult>;
    const primary = metrics[def.primary_metric].direction;
    const decision = srm.flagged ? "not_trustworthy" : primary === "none" ? "inconclusive" : primary;
    return { variant: v.name, views: v.sums.views, decision, metrics };
  });
  const guardrail_breaches = variants.flatMap((v) =>
    def.guardrails.flatMap((m): GuardrailBreach[] => {
      const r = v.metrics[m];
      if (r.direction !== "worse" || !r.sequential || r.abs_diff === null) return [];
      return [
        {
          variant: v.variant,
          metric: m,
          abs_diff: r.abs_diff,
          sequential_ci: r.sequential.ci,
          sequential_p: r.sequential.p,
        },
      ];
    }),
  );
  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    experiment_id: def.id,
    evaluated_at: iso(at.now),
    from: iso(at.from),
    to: iso(at.to),
    control: control.name,
    srm,
    warnings,
    unknown_variants: unknown,
    arms: defined.map((v) => ({
      variant: v.name,
      weight: v.weight,
      views: v.sums.views,
      values: Object.fromEntries(METRIC_NAMES.map((m) => [m, metricValue(v.sums, m)])) as Record<
        MetricName,
        number | null
      >,
    })),
    variants,
    guardrail_breaches,
  };
}
