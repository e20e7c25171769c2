/** The shapes the read API answers (docs/api.md). */
export type MetricName =
  | "views"
  | "plays"
  | "unique_viewers"
  | "watch_time_ms"
  | "completions"
  | "completion_rate"
  | "startup_ms_p50"
  | "startup_ms_p95"
  | "rebuffer_ratio"
  | "exits_before_start"
  | "failures"
  | "failure_rate";

export type Metrics = Record<MetricName, number | null> & { views: number; plays: number };

export interface Overview {
  from: string;
  to: string;
  metrics: Metrics;
  previous: { from: string; to: string; metrics: Metrics };
}

export interface Concurrency {
  current: { t: string; viewers: number };
  peak: { t: string | null; viewers: number };
  series: { t: string; viewers: number }[];
  window_seconds: number;
}

export interface Series {
  points: { t: string; value: number | null }[];
}

export interface Breakdown {
  total: Metrics;
  groups: number;
  rows: (Metrics & { value: string | null })[];
}

export interface TopItem {
  video_id: string;
  title: string | null;
  views: number;
  watch_time_ms: number;
}

export interface TrendingItem {
  video_id: string;
  title: string | null;
  plays: number;
  score: number;
}

export interface Variant extends Metrics {
  variant: string;
}

export interface ConsumerLag {
  consumer: string;
  pending_messages: number | null;
  oldest_unprocessed_age_seconds: number | null;
  dead_letters: number | null;
  freshness: { samples: number | null; p50_seconds: number | null; p95_seconds: number | null; note?: string };
}

export interface Lag {
  as_of: string;
  backlog: "ok" | "unavailable";
  backlog_error?: string;
  stream: { stream: string; messages: number; bytes: number } | null;
  consumers: ConsumerLag[];
}

/** The answer of GET /v1/events/:id: the server's own type (types only, so nothing of the server is bundled). */
export type { EventLocation } from "../../query/event-location.ts";
