import { ident, join, sql, type Ident, type Sql } from "./sql.ts";

/**
 * The resolutions of `view_facts`, coarsest first: an hour, a minute, a millisecond. A read
 * covers its range with whole hours, then whole minutes at the edges, then single milliseconds
 * (src/query/view-facts.ts), so the answer is exact for any `from` and `to`.
 */
export const FACT_RESOLUTIONS_MS = [3_600_000, 60_000, 1] as const;

/**
 * The dimension columns `view_facts` keeps (as `max_<column>` states): a breakdown or a filtered
 * series on any other column reads `events`.
 */
export const FACT_DIMENSION_COLUMNS = [
  "cdn",
  "country",
  "device_type",
  "device_os",
  "device_player",
  "experiment_variant",
] as const;

/**
 * One row per (resolution, bucket, view): the view-level facts of its events in that bucket, as
 * aggregate states that only take maxima and minima, so a repeated or reordered event changes
 * nothing and merging two buckets gives the facts of both (docs/metrics.md#per-view-facts).
 */
export function viewFactsTable(db: Ident): Sql {
  return sql`CREATE TABLE IF NOT EXISTS ${db}.view_facts (
      res UInt32, bucket UInt64, video_id String, view_id String, user_id String,
      is_requested AggregateFunction(max, UInt8), is_played AggregateFunction(max, UInt8),
      is_completed AggregateFunction(max, UInt8), is_ended AggregateFunction(max, UInt8),
      is_failed AggregateFunction(max, UInt8),
      max_played_ms AggregateFunction(max, UInt64), max_rebuffer_ms AggregateFunction(max, UInt64),
      min_startup_ms AggregateFunction(minIf, UInt64, UInt8),
      max_cdn AggregateFunction(max, String), max_country AggregateFunction(max, String),
      max_device_type AggregateFunction(max, String), max_device_os AggregateFunction(max, String),
      max_device_player AggregateFunction(max, String), max_experiment_variant AggregateFunction(max, String)
    ) ENGINE = AggregatingMergeTree()
    PARTITION BY toYYYYMM(toDateTime(intDiv(bucket, 1000)))
    ORDER BY (res, bucket, video_id, view_id, user_id)`;
}

/** The columns of `view_facts` as migration 5 made them, in order. */
const FACT_COLUMNS = [
  "res",
  "bucket",
  "video_id",
  "view_id",
  "user_id",
  "is_requested",
  "is_played",
  "is_completed",
  "is_ended",
  "is_failed",
  "max_played_ms",
  "max_rebuffer_ms",
  "min_startup_ms",
  "max_cdn",
  "max_country",
  "max_device_type",
  "max_device_os",
  "max_device_player",
  "max_experiment_variant",
] as const;

/**
 * The columns migration 25 adds: when the view's first `play_requested` and its first and last
 * events happened, so a read can bound played time by the wall clock (docs/metrics.md#plausibility).
 */
const CLOCK_COLUMNS = ["min_requested_ms", "min_ts_ms", "max_ts_ms"] as const;

/** Migration 25's schema change: the clock columns, added to `view_facts`. */
export function viewFactsClockColumns(db: Ident): Sql[] {
  return [
    sql`ALTER TABLE ${db}.view_facts ADD COLUMN min_requested_ms AggregateFunction(minIf, UInt64, UInt8)`,
    sql`ALTER TABLE ${db}.view_facts ADD COLUMN min_ts_ms AggregateFunction(min, UInt64)`,
    sql`ALTER TABLE ${db}.view_facts ADD COLUMN max_ts_ms AggregateFunction(max, UInt64)`,
  ];
}

/**
 * Each event once per resolution, folded per (resolution, bucket, view) within the insert: the
 * columns of migration 5, and with `clock` the columns of migration 25 too.
 */
export function viewFactsSelect(db: Ident, clock = true): Sql {
  const times = clock
    ? sql`,
      minIfState(ts_ms, toUInt8(type = 'user.video.play_requested')) AS min_requested_ms,
      minState(ts_ms) AS min_ts_ms, maxState(ts_ms) AS max_ts_ms`
    : sql``;
  return sql`SELECT arrayJoin([toUInt32(3600000), toUInt32(60000), toUInt32(1)]) AS res,
      intDiv(ts_ms, res) * res AS bucket, video_id, view_id, user_id,
      maxState(toUInt8(type = 'user.video.play_requested')) AS is_requested,
      maxState(toUInt8(type = 'user.video.played')) AS is_played,
      maxState(toUInt8(type = 'user.video.completed')) AS is_completed,
      maxState(toUInt8(type = 'user.video.ended')) AS is_ended,
      maxState(toUInt8(type = 'user.video.failed' AND fatal = 1)) AS is_failed,
      maxState(played_ms) AS max_played_ms, maxState(rebuffer_ms) AS max_rebuffer_ms,
      minIfState(startup_ms, toUInt8(type = 'user.video.played')) AS min_startup_ms,
      maxState(cdn) AS max_cdn, maxState(country) AS max_country, maxState(device_type) AS max_device_type,
      maxState(device_os) AS max_device_os, maxState(device_player) AS max_device_player,
      maxState(experiment_variant) AS max_experiment_variant${times}
    FROM ${db}.events
    GROUP BY res, bucket, video_id, view_id, user_id`;
}

/**
 * Fills `view_facts` from the stored events, naming its columns (so migration 5's fill still runs,
 * on replay, against the table migration 25 widened). Every state is a max or a min, so a row
 * written twice, by a fill and by the materialized view, merges to the same facts.
 */
export function viewFactsFill(db: Ident, clock = true): Sql {
  const names = [...FACT_COLUMNS, ...(clock ? CLOCK_COLUMNS : [])];
  return sql`INSERT INTO ${db}.view_facts (${join(names.map((n) => sql`${ident(n)}`))}) ${viewFactsSelect(db, clock)}`;
}

/**
 * The timestamps of each view's events per hour, for concurrent viewers: a view's presence is the
 * union of [ts, ts + window] over its events (a repeated timestamp adds the same cover again, so
 * repeats change nothing). Beside them, the view's first frame and first end within the hour, each
 * stored as ts_ms + 1 so that 0 means "none in this row" (`minIf` of no rows is 0, and so is a row
 * written before migration 31 added the columns): concurrent viewers read a view's life from the
 * rows they read anyway, and look up `ccv_views` only for what happened before the hours they read.
 */
export function ccvTimesTable(db: Ident): Sql {
  return sql`CREATE TABLE IF NOT EXISTS ${db}.ccv_times (
      hour UInt32, video_id String, view_id String, times AggregateFunction(groupArray, UInt64),
      first_played AggregateFunction(minIf, UInt64, UInt8), first_end AggregateFunction(minIf, UInt64, UInt8)
    ) ENGINE = AggregatingMergeTree()
    PARTITION BY toYYYYMM(toDateTime(hour))
    ORDER BY (hour, video_id, view_id)`;
}

/** Migration 31's columns, for a `ccv_times` that migration 6 made before they existed. */
export function ccvTimesLifecycleColumns(db: Ident): Sql[] {
  return ["first_played", "first_end"].map(
    (c) => sql`ALTER TABLE ${db}.ccv_times ADD COLUMN ${ident(c)} AggregateFunction(minIf, UInt64, UInt8)`,
  );
}

/** The event types that end a view, and those that mark its life (first frame, end), for concurrent viewers. */
const CCV_ENDS = sql`'user.video.ended', 'user.video.completed'`;
export const CCV_LIFECYCLE = sql`type IN ('user.video.played', ${CCV_ENDS})`;

/**
 * The rows of `ccv_views` for the events matching `where` (every lifecycle event when omitted):
 * kind 1, the view showed its first frame at ts_ms (`played`); kind 2, it ended or completed.
 */
export function ccvViewsSelect(db: Ident, where?: Sql): Sql {
  const and = where === undefined ? sql`` : sql` AND ${where}`;
  return sql`SELECT view_id, video_id, toUInt8(if(type = 'user.video.played', 1, 2)) AS kind, ts_ms FROM ${db}.events
    WHERE ${CCV_LIFECYCLE}${and}`;
}

/** The rows of `ccv_times` for the events matching `where` (every event when it is omitted). */
export function ccvTimesSelect(db: Ident, where: Sql = sql`1`): Sql {
  return sql`SELECT toUInt32(intDiv(ts_ms, 3600000) * 3600) AS hour, video_id, view_id,
      groupArrayState(ts_ms) AS times,
      minIfState(ts_ms + 1, toUInt8(type = 'user.video.played')) AS first_played,
      minIfState(ts_ms + 1, toUInt8(type IN (${CCV_ENDS}))) AS first_end
    FROM ${db}.events WHERE ${where}
    GROUP BY hour, video_id, view_id`;
}

/** Writes `ccv_times` rows for the events matching `where`, naming the columns (replay runs it on any release's table). */
export function ccvTimesFill(db: Ident, where?: Sql): Sql {
  const names = ["hour", "video_id", "view_id", "times", "first_played", "first_end"];
  return sql`INSERT INTO ${db}.ccv_times (${join(names.map((n) => sql`${ident(n)}`))}) ${ccvTimesSelect(db, where)}`;
}
