import { FACT_RESOLUTIONS_MS, sql, type Store } from "../store/index.ts";
import { METRIC_COLUMNS, toMetrics, type MetricRow, type Metrics } from "./metrics-sql.ts";
import type { Range } from "./params.ts";
import type { Overview } from "./answers.ts";
import { factsWhere, perViewFactsSql } from "./view-facts.ts";

export type { Overview } from "./answers.ts";

const iso = (ms: number) => new Date(ms).toISOString();

async function allTitles(store: Store, range: Range): Promise<Metrics> {
  const rows = await store.select<MetricRow>(
    sql`SELECT ${METRIC_COLUMNS} FROM (${perViewFactsSql(store.db, factsWhere(range, undefined, FACT_RESOLUTIONS_MS))})`,
  );
  return toMetrics(rows[0]);
}

/**
 * The headline numbers over every title, with the previous period for comparison. Reads the
 * per-view facts (`view_facts`), never the events.
 *
 * @example
 * const o = await overview(store, { from: Date.now() - 3_600_000, to: Date.now() });
 */
export async function overview(store: Store, range: Range): Promise<Overview> {
  const before = { from: Math.max(0, range.from - (range.to - range.from)), to: range.from };
  const [now, prev] = await Promise.all([allTitles(store, range), allTitles(store, before)]);
  return {
    from: iso(range.from),
    to: iso(range.to),
    metrics: now,
    previous: { from: iso(before.from), to: iso(before.to), metrics: prev },
  };
}
