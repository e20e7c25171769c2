import { z } from "zod";
import type { Demoted } from "./demotions.ts";
import type { EventLocation as DashboardEventLocation } from "./event-location.ts";

/**
 * The answer of every query route, declared once as a zod schema. The routes' TypeScript types are
 * derived from these (`z.output`), and the OpenAPI document (src/contracts/openapi-routes.ts)
 * publishes them with `z.toJSONSchema`, so the code and the document cannot describe two shapes.
 * Objects are closed: a field the code adds and the schema lacks fails the integration tests'
 * check of real answers against the document. Imports only zod at run time (the rest are type-only
 * checks), so the edge can publish them.
 */

/** Every metric of the stats endpoint, in the order `sort=` and `metric=` list them. */
export const METRIC_KEYS = [
  "views",
  "plays",
  "unique_viewers",
  "watch_time_ms",
  "completions",
  "completion_rate",
  "startup_ms_p50",
  "startup_ms_p95",
  "rebuffer_ratio",
  "exits_before_start",
  "failures",
  "failure_rate",
] as const;

/** The dimensions a breakdown or a filtered series can group by (src/query/dimensions.ts maps each to a column). */
export const DIMENSION_NAMES = [
  "cdn",
  "country",
  "device.type",
  "device.os",
  "device.player",
  "experiment_variant",
  "region",
] as const;

/** Compile-time: true only when A and B are assignable both ways (same fields, same optionality). */
export type SameShape<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Assert<T extends true> = T;

const count = z.number().int().nonnegative();
const time = z.iso.datetime().describe("ISO 8601, UTC");
const ratio = z.number().nullable().describe("null when the denominator is 0");

/** docs/metrics.md has the formulas. */
export const Metrics = z.object({
  views: count,
  plays: count,
  unique_viewers: count,
  watch_time_ms: count,
  completions: count,
  completion_rate: ratio,
  startup_ms_p50: z.number().nullable().describe("null without plays"),
  startup_ms_p95: z.number().nullable().describe("null without plays"),
  rebuffer_ratio: ratio,
  exits_before_start: count,
  failures: count,
  failure_rate: ratio,
});
export type Metrics = z.output<typeof Metrics>;
/** METRIC_KEYS lists exactly the fields of Metrics (a compile error otherwise). */
export type MetricKeysCheck = Assert<SameShape<(typeof METRIC_KEYS)[number], keyof Metrics>>;

export const VariantMetrics = Metrics.extend({ variant: z.string() });
export type VariantMetrics = z.output<typeof VariantMetrics>;

export const VideoStatsAnswer = Metrics.extend({ video_id: z.string(), from: time, to: time });
export type VideoStatsAnswer = z.output<typeof VideoStatsAnswer>;

export const TopItem = z.object({
  video_id: z.string(),
  title: z.string().nullable().describe("null when the catalog has no entry"),
  views: count,
  watch_time_ms: count,
});
export type TopItem = z.output<typeof TopItem>;

export const TopAnswer = z.object({
  from: time,
  to: time,
  by: z.enum(["views", "watch_time"]),
  items: z.array(TopItem),
});
export type TopAnswer = z.output<typeof TopAnswer>;

export const TrendingScore = z.object({ video_id: z.string(), plays: count, score: z.number().nonnegative() });
export type TrendingScore = z.output<typeof TrendingScore>;

export const TrendingAnswer = z.object({
  as_of: time,
  half_life_hours: z.number().positive(),
  items: z.array(TrendingScore.extend({ title: z.string().nullable() })),
});
export type TrendingAnswer = z.output<typeof TrendingAnswer>;

export const Recommendation = z.object({
  video_id: z.string(),
  title: z.string(),
  score: z.number(),
  reason: z.enum(["continue_watching", "because_you_watched", "trending"]),
  because: z.object({ video_id: z.string(), title: z.string() }).optional().describe("with because_you_watched"),
  demoted: z
    .object({
      rule_id: z.string(),
      where: z.string().describe("`cdn <value>`, `country <value>`, or everywhere"),
      reason: z.string(),
    })
    .optional()
    .describe("an alert is firing for this title where the user watches: it sits below every other item"),
});
export type Recommendation = z.output<typeof Recommendation>;
/** src/query/demotions.ts builds `demoted` as this shape (a compile error otherwise). */
export type DemotedCheck = Assert<SameShape<NonNullable<Recommendation["demoted"]>, Demoted>>;

export const RecommendationsAnswer = z.object({ user_id: z.string(), items: z.array(Recommendation) });
export type RecommendationsAnswer = z.output<typeof RecommendationsAnswer>;

export const CcvPoint = z.object({ t: time, viewers: count });
export type CcvPoint = z.output<typeof CcvPoint>;

export const Concurrency = z.object({
  from: time,
  to: time,
  step_seconds: z.number().positive(),
  window_seconds: z.number().positive(),
  video_id: z.string().nullable(),
  current: CcvPoint.describe("concurrent viewers at the latest 5 s bucket at or before now"),
  peak: z
    .object({ t: time.nullable(), viewers: count })
    .describe("the highest value over every 5 s bucket of the range (the earliest); t is null when it is 0"),
  series: z.array(CcvPoint),
});
export type Concurrency = z.output<typeof Concurrency>;

const metricKey = z.enum(METRIC_KEYS);
const dimension = z.enum(DIMENSION_NAMES);

export const BreakdownRow = Metrics.extend({
  value: z.string().nullable().describe("the views' value of the dimension; null for views without one"),
});
export type BreakdownRow = z.output<typeof BreakdownRow>;

export const BreakdownAnswer = z.object({
  from: time,
  to: time,
  dimension,
  video_id: z.string().nullable(),
  sort: metricKey,
  order: z.enum(["desc", "asc"]),
  total: Metrics.describe("the same metrics over every view of the range"),
  groups: count.describe("values of the dimension, before `limit`"),
  rows: z.array(BreakdownRow),
});
export type BreakdownAnswer = z.output<typeof BreakdownAnswer>;

export const SeriesPoint = z.object({ t: time, value: z.number().nullable() });
export type SeriesPoint = z.output<typeof SeriesPoint>;

export const TimeseriesAnswer = z.object({
  metric: metricKey,
  from: time,
  to: time,
  step_seconds: z.number().positive(),
  video_id: z.string().nullable(),
  dimension: dimension.optional().describe("with a filter"),
  value: z.string().nullable().optional().describe("with a filter; null: views without a value"),
  points: z.array(SeriesPoint),
});
export type TimeseriesAnswer = z.output<typeof TimeseriesAnswer>;

export const Overview = z.object({
  from: time,
  to: time,
  metrics: Metrics,
  previous: z
    .object({ from: time, to: time, metrics: Metrics })
    .describe("the same metrics over the period of the same length just before `from`"),
});
export type Overview = z.output<typeof Overview>;

const seconds = z.number().nullable();

export const Freshness = z.object({
  window_minutes: z.number().int().positive(),
  samples: count.nullable().describe("rows stored in the window (null when this consumer's table cannot tell)"),
  p50_seconds: seconds,
  p95_seconds: seconds,
});
export type Freshness = z.output<typeof Freshness>;

export const ConsumerLag = z.object({
  consumer: z.string(),
  filter_subject: z.string().nullable(),
  pending_messages: count
    .nullable()
    .describe("undelivered plus delivered-but-unacknowledged (null when NATS cannot be asked)"),
  undelivered_messages: count.nullable(),
  unacked_messages: count.nullable(),
  oldest_unprocessed_age_seconds: z.number().nonnegative().nullable().describe("0 when the consumer is caught up"),
  oldest_unprocessed: z.object({ stream_seq: count, subject: z.string(), stored_at: time }).nullable(),
  dead_letters: count.nullable(),
  freshness: Freshness,
});
export type ConsumerLag = z.output<typeof ConsumerLag>;

/** How far the analytics region's stream is behind one region's stream (docs/regions.md). */
export const RegionLag = z.object({
  region: z.string(),
  stream: z.string(),
  lag_messages: count.describe("messages of the region's stream not yet copied, as of the last word from it"),
  last_active_seconds_ago: seconds.describe("grows while the link is cut; null when never heard from"),
  error: z.string().nullable(),
});
export type RegionLag = z.output<typeof RegionLag>;

export const LagReport = z.object({
  as_of: time,
  window_minutes: z.number().int().positive(),
  backlog: z.enum(["ok", "unavailable"]).describe("unavailable: NATS could not be asked; the backlog fields are null"),
  backlog_error: z.string().optional(),
  stream: z
    .object({ stream: z.string(), messages: count, bytes: count })
    .nullable()
    .describe("what the event stream holds now (null when NATS could not be asked)"),
  consumers: z.array(ConsumerLag),
  regions: z
    .array(RegionLag)
    .nullable()
    .describe("[] when the stream sources no region, null when NATS could not be asked"),
});
export type LagReport = z.output<typeof LagReport>;

/** `GET /v1/events/:id` (docs/observability.md); ./event-location.ts keeps the same shape import-free for the dashboard. */
export const EventLocation = z.object({
  id: z.string(),
  type: z.string().nullable(),
  accepted_at: time.nullable(),
  accepted_in_region: z.string().nullable(),
  trace_id: z.string().nullable(),
  trace_url: z.string().nullable(),
  processed_by: z.array(z.string()),
  waiting_for: z.array(z.string()).describe("consumers that take this type and have not stored it (yet)"),
  consumers: z.array(
    z.object({
      consumer: z.string(),
      table: z.string(),
      expected: z.boolean(),
      stored: z.boolean(),
      stored_at: time.nullable(),
      seconds_to_store: seconds,
      rows: count,
    }),
  ),
});

export type EventLocation = z.output<typeof EventLocation>;
/** The dashboard's import-free copy of the shape is this one (a compile error otherwise). */
export type EventLocationCheck = Assert<SameShape<EventLocation, DashboardEventLocation>>;
