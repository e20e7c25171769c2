import type { Store } from "./client.ts";
import {
  CCV_LIFECYCLE,
  ccvTimesFill,
  ccvTimesLifecycleColumns,
  ccvTimesSelect,
  ccvTimesTable,
  ccvViewsSelect,
  viewFactsClockColumns,
  viewFactsFill,
  viewFactsSelect,
  viewFactsTable,
} from "./rollups.ts";
import { sql, type Ident, type Sql } from "./sql.ts";

export interface Migration {
  id: number;
  name: string;
  statements: (db: Ident) => Sql[];
}

/**
 * Tables, oldest first. Every statement runs on ClickHouse 18.16 and on current releases:
 * no DateTime64, no LowCardinality, `ORDER BY` keys ending in the event id so that
 * ReplacingMergeTree can fold away rows written twice (queries never rely on that fold).
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    id: 1,
    name: "events, rec_events, catalog",
    statements: (db) => [
      sql`CREATE TABLE IF NOT EXISTS ${db}.events (
        id String, type String, schema_version UInt8,
        ts DateTime, ts_ms UInt64, received_ms UInt64, stored_ms UInt64,
        user_id String, view_id String, video_id String,
        position_ms UInt64, duration_ms UInt64, startup_ms UInt64, played_ms UInt64, rebuffer_ms UInt64,
        from_ms UInt64, to_ms UInt64, error_code String, fatal UInt8,
        device_type String, device_os String, device_player String, country String, cdn String,
        experiment_id String, experiment_variant String, properties String,
        trace_id String, stream_seq UInt64
      ) ENGINE = ReplacingMergeTree() PARTITION BY toYYYYMM(ts) ORDER BY (video_id, view_id, id)`,
      sql`CREATE TABLE IF NOT EXISTS ${db}.rec_events (
        id String, type String, ts DateTime, ts_ms UInt64, stored_ms UInt64,
        user_id String, view_id String, video_id String,
        position_ms UInt64, played_ms UInt64, duration_ms UInt64, trace_id String
      ) ENGINE = ReplacingMergeTree() PARTITION BY toYYYYMM(ts) ORDER BY (user_id, video_id, view_id, id)`,
      sql`CREATE TABLE IF NOT EXISTS ${db}.catalog (
        video_id String, title String, duration_ms UInt64, genres Array(String),
        version UInt64, event_id String, stored_ms UInt64, trace_id String
      ) ENGINE = ReplacingMergeTree(version) ORDER BY (video_id, event_id)`,
    ],
  },
  {
    id: 2,
    name: "quarantine",
    // Rejected-at-the-edge input (PLAYPULSE_QUARANTINE). No TTL (ClickHouse 18.16 has none): drop old
    // monthly partitions with ALTER TABLE quarantine DROP PARTITION 202601 (docs/operations-dlq.md).
    statements: (db) => [
      sql`CREATE TABLE IF NOT EXISTS ${db}.quarantine (
        id String, received DateTime, received_ms UInt64, kind String, reason String,
        item_index Int32, event_id String, event_type String, content_type String,
        payload String, payload_bytes UInt64, truncated UInt8, stored_ms UInt64
      ) ENGINE = ReplacingMergeTree() PARTITION BY toYYYYMM(received) ORDER BY (received, id)`,
    ],
  },
  {
    id: 3,
    name: "received_ms on rec_events and catalog (freshness of every consumer)",
    statements: (db) => [
      sql`ALTER TABLE ${db}.rec_events ADD COLUMN received_ms UInt64`,
      sql`ALTER TABLE ${db}.catalog ADD COLUMN received_ms UInt64`,
    ],
  },
  {
    id: 4,
    name: "ccv_views: first frame and end of each view, for concurrent viewers",
    // A materialized view on `events` keeps it current; the INSERT fills it from the rows stored
    // before (both may write the same row: readers take min per view, so repeats change nothing).
    statements: (db) => [
      sql`CREATE TABLE IF NOT EXISTS ${db}.ccv_views (view_id String, video_id String, kind UInt8, ts_ms UInt64)
        ENGINE = ReplacingMergeTree() ORDER BY (view_id, kind, ts_ms)`,
      sql`CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.ccv_views_mv TO ${db}.ccv_views AS ${ccvViewsSelect(db)}`,
      sql`INSERT INTO ${db}.ccv_views ${ccvViewsSelect(db)}`,
    ],
  },
  {
    id: 5,
    name: "view_facts: per-view facts per hour, minute and millisecond, for the dashboard's reads",
    // Same pattern as migration 4: the view keeps it current, the INSERT fills in what was stored
    // before; a row written by both merges to the same maxima and minima (src/store/rollups.ts).
    statements: (db) => [
      viewFactsTable(db),
      sql`CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.view_facts_mv TO ${db}.view_facts AS ${viewFactsSelect(db, false)}`,
      viewFactsFill(db, false),
    ],
  },
  {
    id: 6,
    name: "ccv_times: each view's event timestamps per hour, for concurrent viewers",
    statements: (db) => [
      ccvTimesTable(db),
      // Written today with migration 31's columns too (they are part of the table's definition);
      // migration 31 replaces this view, and drops it again when replay has run this once more.
      sql`CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.ccv_times_mv TO ${db}.ccv_times AS ${ccvTimesSelect(db)}`,
      ccvTimesFill(db),
    ],
  },
  {
    id: 10,
    name: "experiments: definitions made by POST /v1/experiments",
    // One row per definition; an id is written once (the API refuses another definition for it).
    statements: (db) => [
      sql`CREATE TABLE IF NOT EXISTS ${db}.experiments (id String, definition String, created_ms UInt64)
        ENGINE = ReplacingMergeTree(created_ms) ORDER BY id`,
    ],
  },
  {
    id: 15,
    name: "alert_rules: rules made by POST /v1/alerts/rules (docs/alerts.md)",
    // One row per change; the latest row of an id wins, `deleted` 1 is DELETE's tombstone.
    statements: (db) => [
      sql`CREATE TABLE IF NOT EXISTS ${db}.alert_rules (id String, rule String, deleted UInt8, created_ms UInt64)
        ENGINE = ReplacingMergeTree(created_ms) ORDER BY id`,
    ],
  },
  {
    id: 19,
    name: "alerts: every alert transition the evaluations role announced (GET /v1/alerts)",
    // One row per transition of one breach; the latest (resolved over fired) is the alert's state.
    statements: (db) => [
      sql`CREATE TABLE IF NOT EXISTS ${db}.alerts (rule_id String, key_value String, fired_ms UInt64,
        state String, event String, message_id String, updated_ms UInt64)
        ENGINE = ReplacingMergeTree(updated_ms) ORDER BY (rule_id, key_value, fired_ms)`,
    ],
  },
  {
    id: 16,
    name: "erasures: each user erasure's request and its state per store (docs/erasure.md)",
    // One row per (erasure, store); the newest `updated_ms` wins. The `request` row holds the
    // user's SHA-256 (never the id itself) and until when that user's events are not stored.
    statements: (db) => [
      sql`CREATE TABLE IF NOT EXISTS ${db}.erasures (
        erasure_id String, store String, state String, user_hash String,
        requested_ms UInt64, suppress_until_ms UInt64, updated_ms UInt64, detail String
      ) ENGINE = ReplacingMergeTree(updated_ms) ORDER BY (erasure_id, store)`,
    ],
  },
  {
    id: 25,
    name: "view_facts: each view's first play_requested and first and last event time (played time bounded by the wall clock)",
    // The view is recreated with the wider select; the fill then writes every event's facts again,
    // clock columns included. Events stored while the view was being swapped are in that fill; a row
    // written twice merges to the same maxima and minima. Safe to run again (replay runs it again).
    statements: (db) => [
      ...viewFactsClockColumns(db),
      sql`DROP TABLE IF EXISTS ${db}.view_facts_mv`,
      sql`CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.view_facts_mv TO ${db}.view_facts AS ${viewFactsSelect(db)}`,
      viewFactsFill(db),
    ],
  },
  {
    id: 30,
    name: "region on events: the region whose edge accepted the event (docs/regions.md)",
    // Rows stored before it (and without regions) read "". ClickHouse 18.16 and current: plain ADD COLUMN.
    statements: (db) => [sql`ALTER TABLE ${db}.events ADD COLUMN region String`],
  },
  {
    id: 18,
    name: "recommendations avoid what is failing now: the viewer's cdn and country on rec_events, and rec_demotions",
    // rec_demotions: the latest state of each (rule, title, dimension, value) an alert event announced
    // (docs/alerts.md#demotion); readers take argMax(state, changed_ms), so a row written twice changes nothing.
    statements: (db) => [
      sql`ALTER TABLE ${db}.rec_events ADD COLUMN cdn String`,
      sql`ALTER TABLE ${db}.rec_events ADD COLUMN country String`,
      sql`CREATE TABLE IF NOT EXISTS ${db}.rec_demotions (
        rule_id String, video_id String, dimension String, value String, state String,
        changed_ms UInt64, event_id String
      ) ENGINE = ReplacingMergeTree(changed_ms) ORDER BY (rule_id, video_id, dimension, value)`,
    ],
  },
  {
    id: 22,
    name: "experiment_evaluations: every experiment verdict change the evaluations role announced (docs/experiments.md)",
    // One row per analytics.experiment.evaluated event; the key ends in evaluated_ms, so a retried
    // announcement (same message id, later time) stays a row of its own and readers take the earliest.
    statements: (db) => [
      sql`CREATE TABLE IF NOT EXISTS ${db}.experiment_evaluations (
        experiment_id String, message_id String, evaluated_ms UInt64, event String
      ) ENGINE = ReplacingMergeTree() ORDER BY (experiment_id, message_id, evaluated_ms)`,
    ],
  },
  {
    id: 31,
    name: "ccv_times: each view's first frame and first end per hour, beside its times (docs/metrics.md#concurrent-viewers)",
    // The new view is made before the old one goes, so no insert is missed (one both saw writes its
    // times twice, which changes no cover); the fill then writes the life of the events stored
    // before (their lifecycle events' rows again; a repeated minimum changes nothing). Rows written
    // before the columns existed read 0, "none here", which the fill completes.
    statements: (db) => [
      ...ccvTimesLifecycleColumns(db),
      sql`CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.ccv_times_life_mv TO ${db}.ccv_times AS ${ccvTimesSelect(db)}`,
      sql`DROP TABLE IF EXISTS ${db}.ccv_times_mv`,
      ccvTimesFill(db, CCV_LIFECYCLE),
    ],
  },
];

/** A column added by a concurrent run of the same migration is not an error. */
function alreadyApplied(err: unknown): boolean {
  return err instanceof Error && /already exists/i.test(err.message);
}

/**
 * Runs one migration statement; "already exists" (a concurrent or repeated run) is success.
 * Every statement is therefore safe to run again, which replay relies on to recreate dropped tables.
 */
export async function applyStatement(store: Store, stmt: Sql): Promise<void> {
  await store.command(stmt).catch((err: unknown) => {
    if (!alreadyApplied(err)) throw err;
  });
}

/**
 * Creates the database and applies migrations not yet recorded in `schema_migrations`.
 * Idempotent and safe to run from several processes at once.
 */
export async function migrate(store: Store, migrations: readonly Migration[] = MIGRATIONS): Promise<number[]> {
  const db = store.db;
  await store.command(sql`CREATE DATABASE IF NOT EXISTS ${db}`);
  await store.command(
    sql`CREATE TABLE IF NOT EXISTS ${db}.schema_migrations (id UInt32, name String, applied_ms UInt64) ENGINE = ReplacingMergeTree() ORDER BY id`,
  );
  const done = new Set(
    (await store.select<{ id: number }>(sql`SELECT DISTINCT id FROM ${db}.schema_migrations`)).map((r) => Number(r.id)),
  );
  const applied: number[] = [];
  for (const m of migrations) {
    if (done.has(m.id)) continue;
    for (const stmt of m.statements(db)) await applyStatement(store, stmt);
    await store.insert("schema_migrations", [{ id: m.id, name: m.name, applied_ms: Date.now() }]);
    applied.push(m.id);
  }
  return applied;
}
