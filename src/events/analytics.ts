/**
 * What the evaluations role announces on the bus, under `analytics.>` (docs/events.md,
 * "Analytics events"). These are not play events: the edge never accepts them.
 */
export const ALERT_EVENT_TYPES = ["analytics.alert.fired", "analytics.alert.resolved"] as const;
export type AlertEventType = (typeof ALERT_EVENT_TYPES)[number];

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
}
