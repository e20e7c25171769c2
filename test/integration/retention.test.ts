/**
 * Retention against the real ClickHouse 18.16 (docs/privacy.md#retention): rows in months wholly
 * older than the retention leave every table that keeps per-user or per-view data (a dropped
 * partition, or a delete mutation for the unpartitioned ccv_views); newer rows stay; a second
 * sweep finds nothing to do; 0 days keeps everything.
 */
import { describe, expect, inject, it } from "vitest";
import { loadConfig } from "../../src/config.ts";
import { provisionAll } from "../../src/main.ts";
import { createStore, ident, migrate, retentionRules, sql, sweepRetention, type Store } from "../../src/store/index.ts";
import { createLogger } from "../../src/telemetry/logger.ts";
import { uniqueNamespace, waitFor } from "../helpers/index.ts";

const DAY = 86_400_000;
const NOW = Date.now();
const OLD = NOW - 200 * DAY; // months older than 60 days of retention
const NEW = NOW - 5 * DAY;
const TABLES = ["events", "rec_events", "view_facts", "ccv_times", "ccv_views", "quarantine"] as const;

const chDateTime = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace("T", " ");

async function seed(store: Store, label: string, ms: number): Promise<void> {
  const common = { ts: chDateTime(ms), ts_ms: ms, user_id: `u-${label}`, view_id: `v-${label}`, video_id: "m1" };
  // events feeds view_facts, ccv_times and ccv_views through their materialized views.
  await store.insert("events", [{ ...common, id: `${label}-1`, type: "user.video.played", startup_ms: 100 }]);
  await store.insert("rec_events", [{ ...common, id: `${label}-1`, type: "user.video.played" }]);
  await store.insert("quarantine", [{ id: `q-${label}`, received: chDateTime(ms), received_ms: ms, kind: "item" }]);
}

async function counts(store: Store): Promise<Record<string, [number, number]>> {
  const out: Record<string, [number, number]> = {};
  for (const t of TABLES) {
    const col = t === "quarantine" ? "id" : "view_id";
    const rows = await store.select<{ old: string; fresh: string }>(
      sql`SELECT countIf(${ident(col)} LIKE '%old') AS old, countIf(${ident(col)} LIKE '%new') AS fresh FROM ${store.db}.${ident(t)}`,
    );
    out[t] = [Number(rows[0]?.old ?? 0), Number(rows[0]?.fresh ?? 0)];
  }
  return out;
}

describe("retention sweep", () => {
  it("drops what is older than each table's retention and keeps what is newer", async () => {
    const store = createStore({ url: inject("clickhouseUrl"), database: `pp_${uniqueNamespace("ret")}` });
    try {
      await migrate(store);
      await seed(store, "old", OLD);
      await seed(store, "new", NEW);
      const before = await counts(store);
      // view_facts holds 3 resolutions per view; the others one row each.
      expect(before).toEqual({
        events: [1, 1],
        rec_events: [1, 1],
        view_facts: [3, 3],
        ccv_times: [1, 1],
        ccv_views: [1, 1],
        quarantine: [1, 1],
      });

      // 0 days keeps everything.
      const keep = retentionRules({ events: 0, recEvents: 0, rollups: 0, quarantine: 0 });
      expect(await sweepRetention(store, keep, NOW)).toEqual([]);
      expect(await counts(store)).toEqual(before);

      const rules = retentionRules({ events: 60, recEvents: 60, rollups: 60, quarantine: 60 });
      const month = (ms: number) => new Date(ms).toISOString().slice(0, 7).replace("-", "");
      const results = await sweepRetention(store, rules, NOW);
      expect(results).toEqual([
        { table: "events", droppedPartitions: [month(OLD)], deleteSent: false },
        { table: "rec_events", droppedPartitions: [month(OLD)], deleteSent: false },
        { table: "view_facts", droppedPartitions: [month(OLD)], deleteSent: false },
        { table: "ccv_times", droppedPartitions: [month(OLD)], deleteSent: false },
        { table: "ccv_views", droppedPartitions: [], deleteSent: true },
        { table: "quarantine", droppedPartitions: [month(OLD)], deleteSent: false },
      ]);
      // DROP PARTITION is done when it answers; the delete mutation runs in the background.
      const after = await waitFor(
        async () => {
          const c = await counts(store);
          return c.ccv_views?.[0] === 0 ? c : undefined;
        },
        { timeoutMs: 30_000, what: "the ccv_views delete mutation" },
      );
      expect(after).toEqual({
        events: [0, 1],
        rec_events: [0, 1],
        view_facts: [0, 3],
        ccv_times: [0, 1],
        ccv_views: [0, 1],
        quarantine: [0, 1],
      });
      // Nothing left to remove: a second sweep sends nothing.
      expect(
        (await sweepRetention(store, rules, NOW)).filter((r) => r.droppedPartitions.length > 0 || r.deleteSent),
      ).toEqual([]);
    } finally {
      await store.command(sql`DROP DATABASE IF EXISTS ${store.db}`);
      await store.close();
    }
  });

  it("runs at provisioning (every start and playpulse migrate) with the configured days", async () => {
    const database = `pp_${uniqueNamespace("retp")}`;
    const store = createStore({ url: inject("clickhouseUrl"), database });
    try {
      await migrate(store);
      await seed(store, "old", OLD);
      await seed(store, "new", NEW);
      const config = loadConfig({
        CLICKHOUSE_URL: inject("clickhouseUrl"),
        CLICKHOUSE_DATABASE: database,
        PLAYPULSE_RETENTION_EVENTS_DAYS: "60",
        PLAYPULSE_RETENTION_REC_EVENTS_DAYS: "0",
      });
      const lines: string[] = [];
      const logger = createLogger("info", {}, { destination: { write: (l: string) => lines.push(l) } });
      await provisionAll(config, { store, logger });
      // events loses its old month; rec_events (0: forever) keeps it; the rollups' default (395 days)
      // keeps theirs; the quarantine's default (30 days) drops its 200-day-old row.
      const c = await counts(store);
      expect([c.events, c.rec_events, c.view_facts, c.quarantine]).toEqual([
        [0, 1],
        [1, 1],
        [3, 3],
        [0, 1],
      ]);
      expect(lines.filter((l) => l.includes('"retention sweep done"'))).toHaveLength(1);
    } finally {
      await store.command(sql`DROP DATABASE IF EXISTS ${store.db}`);
      await store.close();
    }
  });
});
