/**
 * What the evaluations role announces on the bus, under `analytics.>` (docs/events.md,
 * "Analytics events"). These are not play events: the edge never accepts them.
 */
export const ALERT_EVENT_TYPES = ["analytics.alert.fired", "analytics.alert.resolved"] as const;
export type AlertEventType = (typeof ALERT_EVENT_TYPES)[number];
/** The experiment half: a verdict changed, a guardrail newly breached. */
export const EXPERIMENT_EVENT_TYPES = [
  "analytics.experiment.evaluated",
  "analytics.experiment.guardrail_breached",
] as const;
/** A variant's decision against control (docs/experiments.md, "The verdict"). */
export const EXPERIMENT_DECISIONS = ["better", "worse", "inconclusive", "not_trustworthy"] as const;
export type ExperimentDecision = (typeof EXPERIMENT_DECISIONS)[number];

/**
 * `analytics.alert.fired` / `analytics.alert.resolved`, schema_version 1: one state change of one
 * key of one alert rule. `id` is the message's `Nats-Msg-Id`, the same for the same change.
 */
export interface AlertEvent {
  id: string;
  type: AlertEventType;
  schema_version: 1;
  rule_id: string;
  /** The split dimension and its value; dimension null (value "") when the rule is not split. */
  key: { dimension: string | null; value: string };
  metric: string;
  /** The value that made the change; null when a key resolved for lack of data. */
  value: number | null;
  threshold: number;
  comparison: ">" | "<";
  window_seconds: number;
  state: "firing" | "resolved";
  /** ISO 8601. */
  fired_at: string;
  /** ISO 8601, on `resolved` only. */
  resolved_at?: string;
  /** The title, when the rule is split by `video_id`. */
  video_id?: string;
  /** On `resolved` only, when the key resolved because its rule was deleted while it fired (value null). */
  reason?: "rule_deleted";
}

/** Every analytics event type, each at schema_version 1 (docs/events.md, "Analytics events"). */
export const ANALYTICS_EVENT_TYPES = [...ALERT_EVENT_TYPES, ...EXPERIMENT_EVENT_TYPES] as const;
export type AnalyticsEventType = (typeof ANALYTICS_EVENT_TYPES)[number];

/** The stream of the analytics events: `<STREAM>_ANALYTICS`. */
export const analyticsStreamName = (stream: string) => `${stream}_ANALYTICS`;

/** Its subjects: `analytics.>` behind the deployment's prefix ("" or "ns."). */
export const analyticsWildcard = (prefix: string) => `${prefix}analytics.>`;

/** The subject of one analytics event type. */
export const analyticsSubject = (prefix: string, type: AnalyticsEventType) => `${prefix}${type}`;

/**
 * The JSON Schema of `analytics.alert.fired` and `analytics.alert.resolved` v1: what the AsyncAPI
 * document publishes and what receivers (webhooks, recommendations) may rely on.
 */
export const ALERT_EVENT_SCHEMA = {
  type: "object",
  required: [
    "id",
    "type",
    "schema_version",
    "rule_id",
    "key",
    "metric",
    "value",
    "threshold",
    "comparison",
    "window_seconds",
    "state",
    "fired_at",
  ],
  properties: {
    id: { type: "string", description: "the Nats-Msg-Id: the same for the same state change" },
    type: { enum: [...ALERT_EVENT_TYPES] },
    schema_version: { const: 1 },
    rule_id: { type: "string" },
    key: {
      type: "object",
      required: ["dimension", "value"],
      properties: { dimension: { type: ["string", "null"] }, value: { type: "string" } },
    },
    metric: { enum: ["failure_rate", "startup_p95_ms", "ccv_drop"] },
    value: { type: ["number", "null"] },
    threshold: { type: "number" },
    comparison: { enum: [">", "<"] },
    window_seconds: { type: "integer" },
    state: { enum: ["firing", "resolved"] },
    fired_at: { type: "string", format: "date-time" },
    resolved_at: { type: "string", format: "date-time" },
    video_id: { type: "string" },
    reason: { const: "rule_deleted", description: "on resolved only: the rule was deleted while the key fired" },
  },
} as const;

/**
 * `analytics.experiment.evaluated` v1: an experiment's verdict changed (a decision, SRM, the
 * guardrails breached); `analytics.experiment.guardrail_breached` v1: a guardrail newly breached.
 */
export interface ExperimentEvent {
  id: string;
  type: (typeof EXPERIMENT_EVENT_TYPES)[number];
  schema_version: 1;
  experiment_id: string;
  /** ISO 8601: when the evaluation ran. */
  evaluated_at: string;
  views: number;
  srm: boolean;
  /** Per variant against control: the primary metric's decision (src/experiments/verdict.ts). */
  decisions: Record<string, ExperimentDecision>;
  /** `variant:metric` of each guardrail breached. */
  guardrails_breached: string[];
  /** On `guardrail_breached` only: the `variant:metric` newly breached, one event each. */
  guardrail?: string;
}

/** The JSON Schema of `analytics.experiment.evaluated` and `analytics.experiment.guardrail_breached` v1. */
export const EXPERIMENT_EVENT_SCHEMA = {
  type: "object",
  required: [
    "id",
    "type",
    "schema_version",
    "experiment_id",
    "evaluated_at",
    "views",
    "srm",
    "decisions",
    "guardrails_breached",
  ],
  properties: {
    id: { type: "string", description: "the Nats-Msg-Id: the same for the same change" },
    type: { enum: [...EXPERIMENT_EVENT_TYPES] },
    schema_version: { const: 1 },
    experiment_id: { type: "string" },
    evaluated_at: { type: "string", format: "date-time" },
    views: { type: "integer", minimum: 0 },
    srm: { type: "boolean", description: "a sample ratio mismatch holds: results are not trustworthy" },
    decisions: {
      type: "object",
      additionalProperties: { enum: [...EXPERIMENT_DECISIONS] },
      description: "per variant against control, the primary metric's decision",
    },
    guardrails_breached: { type: "array", items: { type: "string", description: "variant:metric" } },
    guardrail: { type: "string", description: "on guardrail_breached only: the variant:metric newly breached" },
  },
} as const;
