import { describe, expect, it } from "vitest";
import type { ExperimentDefinition } from "./definition.ts";
import { METRIC_NAMES } from "./metrics.ts";
import { seeded, simulateArm, type ArmTruth } from "./simulate.ts";
import { SRM_WARNING } from "./srm.ts";
import { verdictFromArms } from "./verdict.ts";

const def: ExperimentDefinition = {
  id: "exp",
  variants: [
    { name: "control", weight: 1 },
    { name: "treatment", weight: 1 },
  ],
  primary_metric: "completion_rate",
  guardrails: ["rebuffer_ratio", "watch_time_per_view"],
  started_at: 0,
  planned_views: 20_000,
  source: "api",
};
const at = { from: 0, to: 1, now: 1 };
const base: ArmTruth = { completion: 0.4, meanWatchMs: 60_000, rebufferShare: 0.02 };

function run(seed: number, views: [number, number], truths: [ArmTruth, ArmTruth]) {
  const rand = seeded(seed);
  return verdictFromArms(
    def,
    [simulateArm(rand, "control", views[0], truths[0]), simulateArm(rand, "treatment", views[1], truths[1])],
    at,
  );
}

describe("verdict", () => {
  it("A/A over 1,000 seeds: each fixed-horizon test rejects at its 5 % rate, the sequential one at most that", () => {
    const seeds = 1000;
    const fixed = Object.fromEntries(METRIC_NAMES.map((m) => [m, 0])) as Record<string, number>;
    let sequentialAny = 0;
    let srm = 0;
    for (let s = 0; s < seeds; s++) {
      const v = run(s, [5000, 5000], [base, base]);
      const metrics = v.variants[0]!.metrics;
      for (const m of ["completion_rate", "watch_time_per_view", "rebuffer_ratio"] as const) {
        if (metrics[m].p! < 0.05) fixed[m]!++;
      }
      if (metrics.completion_rate.direction !== "none") sequentialAny++;
      if (v.srm.flagged) srm++;
    }
    // Binomial(1000, 0.05): mean 50, sd 6.9; ±3.5 sd is [26, 74]. A wrong test (e.g. a pooled
    // variance where none applies, or a one-sided p) lands far outside.
    for (const m of ["completion_rate", "watch_time_per_view", "rebuffer_ratio"]) {
      expect(fixed[m], m).toBeGreaterThanOrEqual(26);
      expect(fixed[m], m).toBeLessThanOrEqual(74);
    }
    expect(sequentialAny).toBeLessThanOrEqual(74);
    expect(srm).toBe(0); // exactly equal arms: chi² = 0
  });

  it("finds a variant that truly completes more often (0.40 → 0.44 over 10,000 views per arm)", () => {
    const v = run(7, [10_000, 10_000], [base, { ...base, completion: 0.44 }]);
    const c = v.variants[0]!;
    expect(c.decision).toBe("better");
    expect(c.metrics.completion_rate.direction).toBe("better");
    expect(c.metrics.completion_rate.p).toBeLessThan(1e-6);
    const [lo, hi] = c.metrics.completion_rate.sequential!.ci;
    expect(lo).toBeGreaterThan(0);
    expect(lo).toBeLessThan(0.04);
    expect(hi).toBeGreaterThan(0.04);
    expect(c.metrics.completion_rate.rel_diff).toBeCloseTo(
      c.metrics.completion_rate.abs_diff! / c.metrics.completion_rate.control_value!,
      12,
    );
    expect(v.guardrail_breaches).toEqual([]);
    expect(v.warnings).toEqual([]);
  });

  it("reports a guardrail breached when a variant rebuffers significantly more", () => {
    const v = run(11, [10_000, 10_000], [base, { ...base, rebufferShare: 0.03 }]);
    expect(v.guardrail_breaches.map((b) => [b.variant, b.metric])).toEqual([["treatment", "rebuffer_ratio"]]);
    expect(v.guardrail_breaches[0]!.sequential_ci[0]).toBeGreaterThan(0);
  });

  it("raises SRM on a 55/45 split against 50/50 weights, with the warning and no decision", () => {
    const v = run(3, [5500, 4500], [base, base]);
    expect(v.srm.flagged).toBe(true);
    expect(v.srm.p).toBeLessThan(0.001);
    expect(v.warnings).toContain(SRM_WARNING);
    expect(v.variants[0]!.decision).toBe("not_trustworthy");
  });

  it("reports variants outside the definition and arms without views", () => {
    const rand = seeded(1);
    const v = verdictFromArms(def, [simulateArm(rand, "stray", 10, base)], at);
    expect(v.unknown_variants).toEqual({ stray: 10 });
    expect(v.arms.map((a) => a.views)).toEqual([0, 0]);
    expect(v.variants[0]!.metrics.completion_rate).toMatchObject({ value: null, p: null, ci: null, direction: "none" });
    expect(v.warnings).toEqual(["views naming variants outside the definition are left out: stray"]);
  });
});
