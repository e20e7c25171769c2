import { z } from "zod";
import { parseConfigList } from "../config/list.ts";
import type { DefinitionJson } from "./answers.ts";
import { METRIC_NAMES, type MetricName } from "./metrics.ts";

/** An experiment: its arms and weights (the first arm is the control), what decides it, what must not get worse. */
export interface ExperimentDefinition {
  id: string;
  variants: { name: string; weight: number }[];
  primary_metric: MetricName;
  guardrails: MetricName[];
  /** Epoch milliseconds: views before it are not counted. */
  started_at: number;
  /** Views (all arms) at which the sequential interval is tuned to be narrowest. */
  planned_views: number;
  /** "config" (PLAYPULSE_EXPERIMENTS) or "api" (POST /v1/experiments). */
  source: "config" | "api";
}

const text = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[^\u0000-\u001f\u007f]*$/, "no control characters");
const metric = z.enum(METRIC_NAMES);
const time = z.union([
  z.number().int().nonnegative(),
  z
    .string()
    .refine((s) => !Number.isNaN(Date.parse(s)), "an ISO 8601 time such as 2026-01-02T03:04:05Z")
    .transform((s) => Date.parse(s)),
]);

/** What `POST /v1/experiments` and PLAYPULSE_EXPERIMENTS take (the OpenAPI document publishes its input side). */
export const DefinitionInput = z
  .object({
    id: text,
    variants: z
      .array(z.object({ name: text, weight: z.number().positive().finite() }).strict())
      .min(2)
      .max(20),
    primary_metric: metric,
    guardrails: z.array(metric).max(METRIC_NAMES.length).default([]),
    started_at: time,
    planned_views: z.number().int().min(100).max(1e9).default(20_000),
  })
  .strict()
  .refine((d) => new Set(d.variants.map((v) => v.name)).size === d.variants.length, {
    message: "variant names must be unique",
    path: ["variants"],
  });

/** Thrown with every problem of a definition at once. */
export class DefinitionError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join("; "));
    this.name = "DefinitionError";
  }
}

/**
 * Checks a definition from the API or config and fills defaults (guardrails [], planned_views 20,000).
 * Throws a `DefinitionError` listing every problem.
 *
 * @example
 * parseDefinition({ id: "exp_abr", variants: [{ name: "control", weight: 1 }, { name: "fast", weight: 1 }],
 *   primary_metric: "completion_rate", started_at: "2026-01-01T00:00:00Z" }, "api");
 */
export function parseDefinition(input: unknown, source: ExperimentDefinition["source"]): ExperimentDefinition {
  const r = DefinitionInput.safeParse(input);
  if (!r.success) {
    throw new DefinitionError(r.error.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`));
  }
  return { ...r.data, source };
}

/** The JSON form of a definition (started_at as ISO 8601). */
export function definitionJson(d: ExperimentDefinition): DefinitionJson {
  return { ...d, started_at: new Date(d.started_at).toISOString() };
}

/**
 * The definitions of PLAYPULSE_EXPERIMENTS (a JSON array), every problem reported at once.
 *
 * @example
 * const defs = parseConfigDefinitions(config.experiments);
 */
export function parseConfigDefinitions(raw: readonly unknown[]): ExperimentDefinition[] {
  return parseConfigList(
    "PLAYPULSE_EXPERIMENTS",
    raw,
    (item) => parseDefinition(item, "config"),
    (problems) => new DefinitionError(problems),
  );
}
