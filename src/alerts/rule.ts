import { z } from "zod";
import { parseConfigList } from "../config/list.ts";
import { DIMENSIONS } from "../query/index.ts";

/**
 * What a rule watches (docs/alerts.md has the formulas):
 * - `failure_rate`: fatal failures / views over the window (docs/metrics.md), volume = views;
 * - `startup_p95_ms`: the 95th percentile of startup time over the window's plays, volume = views;
 * - `ccv_drop`: 1 − viewers now / viewers one window ago (concurrent viewers), volume = viewers then.
 */
export const ALERT_METRICS = ["failure_rate", "startup_p95_ms", "ccv_drop"] as const;
export type AlertMetric = (typeof ALERT_METRICS)[number];

/** What a rule can split by: the breakdown dimensions (src/query/dimensions.ts) and the title. */
export const SPLITS = [...(Object.keys(DIMENSIONS) as (keyof typeof DIMENSIONS)[]), "video_id"] as const;
export type Split = (typeof SPLITS)[number];

/** One alert rule (docs/alerts.md). */
export interface AlertRule {
  id: string;
  metric: AlertMetric;
  /** Breach when `value comparison threshold`. */
  comparison: ">" | "<";
  threshold: number;
  window_seconds: number;
  /** Below this volume in the window (views, or viewers for ccv_drop) a key is not judged: it counts as clear. */
  min_volume: number;
  /** One alert per value of this dimension; null: one alert for everything. */
  split_by: Split | null;
  /**
   * One alert per title and value of `split_by` (a breakdown dimension): "this title fails on this
   * CDN". Recommendations demote such a title for viewers on that CDN or in that country (docs/alerts.md#demotion).
   */
  per_title: boolean;
  /**
   * Resolve only when the value is back beyond threshold × (1 ∓ ratio) (− for ">", + for "<"),
   * on `clear_evaluations` evaluations in a row.
   */
  hysteresis: { ratio: number; clear_evaluations: number };
  /** "config" (PLAYPULSE_ALERT_RULES) or "api" (POST /v1/alerts/rules). */
  source: "config" | "api";
}

/** The validator of a rule from the API or config (its input side is the request body in the OpenAPI document). */
export const RuleInput = z
  .object({
    id: z
      .string()
      .min(1)
      .max(64)
      .regex(/^[A-Za-z0-9_.-]+$/, "letters, digits, _ . - only"),
    metric: z.enum(ALERT_METRICS),
    comparison: z.enum([">", "<"]).default(">"),
    threshold: z.number().finite().nonnegative(),
    window_seconds: z.number().int().min(5).max(86_400),
    min_volume: z.number().int().nonnegative().max(1e9).default(0),
    split_by: z.enum(SPLITS).nullable().default(null),
    per_title: z.boolean().default(false),
    hysteresis: z
      .object({
        ratio: z.number().min(0).max(1).default(0.1),
        clear_evaluations: z.number().int().min(1).max(100).default(2),
      })
      .strict()
      .default({ ratio: 0.1, clear_evaluations: 2 }),
  })
  .strict()
  .refine((r) => r.metric !== "ccv_drop" || r.split_by === null, {
    message: "ccv_drop is over all viewers: split_by must be null",
    path: ["split_by"],
  })
  .refine((r) => !r.per_title || (r.split_by !== null && r.split_by !== "video_id"), {
    message: "per_title splits each title by a dimension: split_by must be cdn, country, device, …",
    path: ["per_title"],
  })
  .refine((r) => r.metric !== "ccv_drop" || r.window_seconds % 5 === 0, {
    message: "ccv_drop compares 5 s buckets: window_seconds must be a multiple of 5",
    path: ["window_seconds"],
  });

/** Thrown with every problem of a rule at once. */
export class RuleError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join("; "));
    this.name = "RuleError";
  }
}

/**
 * Checks a rule from the API or config and fills defaults (comparison ">", min_volume 0,
 * split_by null, hysteresis 10 % and 2 clear evaluations). Throws a `RuleError` listing every problem.
 *
 * @example
 * parseRule({ id: "cdn_failures", metric: "failure_rate", threshold: 0.05, window_seconds: 300,
 *   min_volume: 200, split_by: "cdn" }, "api");
 */
export function parseRule(input: unknown, source: AlertRule["source"]): AlertRule {
  const r = RuleInput.safeParse(input);
  if (!r.success) throw new RuleError(r.error.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`));
  return { ...r.data, source };
}

/**
 * The rules of PLAYPULSE_ALERT_RULES (a JSON array), every problem reported at once.
 *
 * @example
 * const rules = parseConfigRules(config.alertRules);
 */
export function parseConfigRules(raw: readonly unknown[]): AlertRule[] {
  return parseConfigList(
    "PLAYPULSE_ALERT_RULES",
    raw,
    (item) => parseRule(item, "config"),
    (problems) => new RuleError(problems),
  );
}

/** Whether `value` is on the breaching side of `limit`. */
export const beyond = (rule: Pick<AlertRule, "comparison">, value: number, limit: number) =>
  rule.comparison === ">" ? value > limit : value < limit;

/** The level the value must get back past before a firing alert may resolve. */
export const resolveLevel = (rule: Pick<AlertRule, "comparison" | "threshold" | "hysteresis">) =>
  rule.threshold * (rule.comparison === ">" ? 1 - rule.hysteresis.ratio : 1 + rule.hysteresis.ratio);
