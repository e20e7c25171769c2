import { z } from "zod";
import { EXPERIMENT_DECISIONS, EXPERIMENT_EVENT_TYPES, type ExperimentEvent } from "../events/index.ts";
import { VariantMetrics, type SameShape } from "../query/answers.ts";
import * as shapes from "./verdict-shapes.ts";

/**
 * The answers of the experiment routes (docs/experiments.md), declared once as zod schemas: the
 * routes' types are derived from them and the OpenAPI document publishes them. ./verdict-shapes.ts
 * keeps the verdict's shape import-free for the dashboard; the checks below fail to compile when
 * the two differ.
 */

type Assert<T extends true> = T;
const time = z.iso.datetime().describe("ISO 8601, UTC");
const metric = z.enum(shapes.METRIC_NAMES);
const interval = z.tuple([z.number(), z.number()]);
const value = z.number().nullable();

/** A definition as the API answers it (started_at as ISO 8601). */
export const DefinitionJson = z.object({
  id: z.string(),
  variants: z.array(z.object({ name: z.string(), weight: z.number().positive() })).describe("the first is the control"),
  primary_metric: metric,
  guardrails: z.array(metric),
  started_at: time,
  planned_views: z.number().int().positive(),
  source: z.enum(["config", "api"]).describe("config: PLAYPULSE_EXPERIMENTS; api: POST /v1/experiments"),
});
export type DefinitionJson = z.output<typeof DefinitionJson>;

export const Srm = z.object({
  flagged: z.boolean(),
  p: value,
  chi2: value,
  df: z.number().int().nonnegative(),
  observed: z.record(z.string(), z.number().int().nonnegative()).describe("views per variant"),
  expected: z.record(z.string(), z.number().nonnegative()).describe("views per variant its weight expects"),
});
export type SrmCheck = Assert<SameShape<z.output<typeof Srm>, shapes.Srm>>;

export const MetricResult = z.object({
  metric,
  test: z.string(),
  control_value: value,
  value,
  abs_diff: value,
  rel_diff: value,
  ci: interval.nullable().describe("fixed-horizon 95 % interval of abs_diff"),
  p: value,
  sequential: z
    .object({ ci: interval, p: z.number() })
    .nullable()
    .describe("always-valid 95 % interval and p-value (mSPRT)"),
  direction: z.enum(["better", "worse", "none"]),
});
export type MetricResultCheck = Assert<SameShape<z.output<typeof MetricResult>, shapes.MetricResult>>;

const decision = z.enum(EXPERIMENT_DECISIONS);

export const ExperimentVerdict = z.object({
  experiment_id: z.string(),
  evaluated_at: time,
  from: time,
  to: time,
  control: z.string(),
  srm: Srm,
  warnings: z.array(z.string()),
  unknown_variants: z.record(z.string(), z.number().int().nonnegative()),
  arms: z.array(
    z.object({
      variant: z.string(),
      weight: z.number().positive(),
      views: z.number().int().nonnegative(),
      values: z.record(metric, value),
    }),
  ),
  variants: z.array(
    z.object({
      variant: z.string(),
      views: z.number().int().nonnegative(),
      decision,
      metrics: z.record(metric, MetricResult),
    }),
  ),
  guardrail_breaches: z.array(
    z.object({ variant: z.string(), metric, abs_diff: z.number(), sequential_ci: interval, sequential_p: z.number() }),
  ),
});
export type ExperimentVerdictCheck = Assert<SameShape<z.output<typeof ExperimentVerdict>, shapes.ExperimentVerdict>>;

/** `POST /v1/experiments`: 201 when created, 200 when the same definition was already there. */
export const ExperimentCreated = z.object({ created: z.boolean(), experiment: DefinitionJson });
export type ExperimentCreated = z.output<typeof ExperimentCreated>;

/** `GET /v1/experiments`: every definition with its views per variant, SRM state and decisions. */
export const ExperimentList = z.object({
  as_of: time,
  experiments: z.array(
    DefinitionJson.extend({
      views: Srm.shape.observed,
      srm: Srm,
      warnings: z.array(z.string()),
      decisions: z.record(z.string(), decision).describe("per variant but the control"),
    }),
  ),
});
export type ExperimentList = z.output<typeof ExperimentList>;

/** `GET /v1/experiments/:experiment_id`: per-variant metrics, and the verdict when it is defined. */
export const ExperimentAnswer = z.object({
  experiment_id: z.string(),
  from: time,
  to: time,
  variants: z.array(VariantMetrics),
  warnings: z.array(z.string()),
  definition: DefinitionJson.nullable(),
  verdict: ExperimentVerdict.nullable(),
});
export type ExperimentAnswer = z.output<typeof ExperimentAnswer>;

/** One announced verdict change (docs/events.md, "Analytics events"). */
export const ExperimentEventJson = z.object({
  id: z.string().describe("the Nats-Msg-Id of the change"),
  type: z.enum(EXPERIMENT_EVENT_TYPES),
  schema_version: z.literal(1),
  experiment_id: z.string(),
  evaluated_at: time,
  views: z.number().int().nonnegative(),
  srm: z.boolean(),
  decisions: z.record(z.string(), decision).describe("per variant but the control"),
  guardrails_breached: z.array(z.string()).describe("variant:metric"),
  guardrail: z.string().optional().describe("on guardrail_breached only: the variant:metric newly breached"),
});
export type ExperimentEventCheck = Assert<SameShape<z.output<typeof ExperimentEventJson>, ExperimentEvent>>;

/** `GET /v1/experiments/:experiment_id/evaluations`: each verdict change announced, latest first. */
export const ExperimentEvaluations = z.object({
  as_of: time,
  experiment_id: z.string(),
  evaluations: z
    .array(ExperimentEventJson)
    .describe("each analytics.experiment.evaluated event of the experiment, latest first"),
});
export type ExperimentEvaluations = z.output<typeof ExperimentEvaluations>;
