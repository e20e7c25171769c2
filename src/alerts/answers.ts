import { z } from "zod";
import { ALERT_EVENT_TYPES, type AlertEvent } from "../events/index.ts";
import type { SameShape } from "../query/answers.ts";
import { ALERT_METRICS, SPLITS, type AlertRule } from "./rule.ts";

/**
 * The answers of the alert routes (docs/alerts.md), declared once as zod schemas: the routes are
 * typed with them (`satisfies`) and the OpenAPI document publishes them; the checks below fail to
 * compile when they and the code's own types (AlertRule, AlertEvent) differ.
 */

type Assert<T extends true> = T;
const time = z.iso.datetime().describe("ISO 8601, UTC");

/** A rule as the API answers it: the request's fields with the defaults filled, and where it is defined. */
export const RuleJson = z.object({
  id: z.string(),
  metric: z.enum(ALERT_METRICS),
  comparison: z.enum([">", "<"]),
  threshold: z.number(),
  window_seconds: z.number().int(),
  min_volume: z.number().int(),
  split_by: z.enum(SPLITS).nullable(),
  per_title: z.boolean(),
  hysteresis: z.object({ ratio: z.number(), clear_evaluations: z.number().int() }),
  source: z.enum(["config", "api"]).describe("config: PLAYPULSE_ALERT_RULES; api: POST /v1/alerts/rules"),
});
export type RuleJsonCheck = Assert<SameShape<z.output<typeof RuleJson>, AlertRule>>;

/** One alert: its latest event (docs/events.md, "Analytics events"). */
export const AlertEventJson = z.object({
  id: z.string().describe("the Nats-Msg-Id of the state change"),
  type: z.enum(ALERT_EVENT_TYPES),
  schema_version: z.literal(1),
  rule_id: z.string(),
  key: z.object({ dimension: z.string().nullable(), value: z.string() }),
  metric: z.string(),
  value: z.number().nullable(),
  threshold: z.number(),
  comparison: z.enum([">", "<"]),
  window_seconds: z.number().int(),
  state: z.enum(["firing", "resolved"]),
  fired_at: time,
  resolved_at: time.optional(),
  video_id: z.string().optional(),
  reason: z.literal("rule_deleted").optional().describe("on resolved only: the rule was deleted while the key fired"),
});
export type AlertEventCheck = Assert<SameShape<z.output<typeof AlertEventJson>, AlertEvent>>;

export const AlertRuleCreated = z.object({ created: z.boolean(), rule: RuleJson });
export const AlertRules = z.object({ rules: z.array(RuleJson) });
export const AlertRuleDeleted = z.object({ deleted: z.literal(true), rule: RuleJson });
export const Alerts = z.object({
  as_of: time,
  state: z.enum(["any", "firing", "resolved"]),
  alerts: z.array(AlertEventJson).describe("one per breach of one key of one rule, newest first"),
});
