import type { Store } from "./client.ts";
import { ident, p, sql } from "./sql.ts";

/**
 * Retention without table TTL: ClickHouse 18.16 has none (TTL came in 19.6), and production runs a
 * current release, so one mechanism serves both. A partitioned table loses whole monthly
 * partitions (`ALTER TABLE … DROP PARTITION`, cheap: files are unlinked); the one unpartitioned
 * table with per-view times, `ccv_views`, loses rows by a delete mutation. docs/privacy.md#retention.
 */
export interface RetentionRule {
  table: string;
  /** Rows older than this many days go; 0 keeps them forever. */
  days: number;
  /** `month`: the table is PARTITION BY toYYYYMM(…); `column`: an epoch-ms column to delete by. */
  by: { kind: "month" } | { kind: "column"; column: string };
}

/** Retention in days per group of tables (src/config: PLAYPULSE_RETENTION_*_DAYS). */
export interface RetentionPolicy {
  events: number;
  recEvents: number;
  rollups: number;
  quarantine: number;
}

const MONTH = { kind: "month" } as const;

/**
 * Every table that holds per-user or per-view data, with its retention. `catalog` (titles),
 * `experiments` (definitions) and `schema_migrations` hold none and are kept.
 */
export function retentionRules(days: RetentionPolicy): RetentionRule[] {
  return [
    { table: "events", days: days.events, by: MONTH },
    { table: "rec_events", days: days.recEvents, by: MONTH },
    { table: "view_facts", days: days.rollups, by: MONTH },
    { table: "ccv_times", days: days.rollups, by: MONTH },
    { table: "ccv_views", days: days.rollups, by: { kind: "column", column: "ts_ms" } },
    { table: "quarantine", days: days.quarantine, by: MONTH },
  ];
}

const DAY_MS = 86_400_000;

/**
 * The monthly partitions (`YYYYMM`) wholly older than `cutoffMs`. A partition's month is in the
 * server's time zone: a day of slack keeps a month whose last hours may still be younger.
 */
export function expiredMonths(partitions: readonly string[], cutoffMs: number): string[] {
  return partitions.filter((p) => {
    const m = /^(\d{4})(\d{2})$/.exec(p);
    if (!m) return false;
    const nextMonthStart = Date.UTC(Number(m[1]), Number(m[2]), 1); // month is 1-based: this is the next month
    return nextMonthStart + DAY_MS <= cutoffMs;
  });
}

/** What one sweep removed: the partitions dropped per table, and the tables a delete mutation was sent to. */
export interface SweepResult {
  table: string;
  droppedPartitions: string[];
  deleteSent: boolean;
}

async function sweepTable(store: Store, rule: RetentionRule, nowMs: number): Promise<SweepResult> {
  const cutoff = nowMs - rule.days * DAY_MS;
  const table = sql`${store.db}.${ident(rule.table)}`;
  if (rule.by.kind === "column") {
    const [row] = await store.select<{ n: string | number }>(
      sql`SELECT count() AS n FROM ${table} WHERE ${ident(rule.by.column)} < ${p.u64(Math.max(0, cutoff))}`,
    );
    if (Number(row?.n ?? 0) === 0) return { table: rule.table, droppedPartitions: [], deleteSent: false };
    await store.command(
      sql`ALTER TABLE ${table} DELETE WHERE ${ident(rule.by.column)} < ${p.u64(Math.max(0, cutoff))}`,
    );
    return { table: rule.table, droppedPartitions: [], deleteSent: true };
  }
  const parts = await store.select<{ partition: string }>(
    sql`SELECT DISTINCT partition FROM system.parts
      WHERE database = ${p.str(store.db.ident)} AND table = ${p.str(rule.table)} AND active`,
  );
  const expired = expiredMonths(
    parts.map((r) => r.partition),
    cutoff,
  );
  for (const month of expired) await store.command(sql`ALTER TABLE ${table} DROP PARTITION ${p.u64(Number(month))}`);
  return { table: rule.table, droppedPartitions: expired, deleteSent: false };
}

/**
 * Applies each rule with a retention (days > 0) once. Idempotent and safe from several processes:
 * dropping a partition another sweep dropped is a no-op. `playpulse migrate` and start-up run it,
 * and the analytics role every PLAYPULSE_RETENTION_SWEEP_MINUTES.
 *
 * @example
 * await sweepRetention(store, retentionRules(config.retention), Date.now());
 */
export async function sweepRetention(
  store: Store,
  rules: readonly RetentionRule[],
  nowMs: number,
): Promise<SweepResult[]> {
  const results: SweepResult[] = [];
  for (const rule of rules) if (rule.days > 0) results.push(await sweepTable(store, rule, nowMs));
  return results;
}
