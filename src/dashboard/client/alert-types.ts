/** The answers of GET /v1/alerts and GET /v1/alerts/rules (docs/alerts.md). */

/** An alert as its latest event (docs/events.md, "Analytics events"). */
export interface AlertItem {
  id: string;
  type: string;
  rule_id: string;
  key: { dimension: string | null; value: string };
  metric: string;
  value: number | null;
  threshold: number;
  comparison: ">" | "<";
  window_seconds: number;
  state: "firing" | "resolved";
  fired_at: string;
  resolved_at?: string;
  video_id?: string;
}

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
