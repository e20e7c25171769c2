/**
 * The answers of GET /v1/alerts and GET /v1/alerts/rules (docs/alerts.md). An alert is its latest
 * event, in the server's own type (src/events/analytics.ts: types only).
 */
import type { AlertEvent } from "../../events/analytics.ts";

export type AlertItem = AlertEvent;

export interface AlertsAnswer {
  as_of: string;
  alerts: AlertItem[];
}

export interface AlertRuleItem {
  id: string;
  metric: string;
  comparison: ">" | "<";
  threshold: number;
  window_seconds: number;
  min_volume: number;
  split_by: string | null;
  source: "config" | "api";
}
