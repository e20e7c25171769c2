/**
 * Concurrent viewers, the query as it was before each rewrite of 2026-12-06 and as it is now, on the
 * same data in the same run: each is sent straight to ClickHouse for the same 24 h at 5 s (one query each, no
 * route around them), their answers must be equal, and each run's wall time and the CPU time the
 * clickhouse-server process spent on it (from /proc/<pid>/stat) are kept.
 */
import { readFileSync } from "node:fs";
import { ccvStepsSql } from "../../src/query/concurrency.ts";
import { CCV_BUCKET_SECONDS, p, sql, type Sql, type Store } from "../../src/store/index.ts";

const BUCKET_MS = CCV_BUCKET_SECONDS * 1000;
const HOUR_MS = 3_600_000;

/**
 * The query of src/query/concurrency.ts up to commit 829d250: times and lifecycle grouped apart
 * and joined (`ALL INNER JOIN … USING view_id`), each interval clipped in arrays before the sum.
 */
export function previousStepsSql(store: Store, windowMs: number, first: number, last: number): Sql {
  const db = store.db;
  const h1 = (Math.floor((first * BUCKET_MS - windowMs) / HOUR_MS) * HOUR_MS) / 1000;
  const h2 = (Math.floor((last * BUCKET_MS) / HOUR_MS) * HOUR_MS) / 1000;
  const times = sql`${db}.ccv_times WHERE hour >= ${p.u64(Math.max(0, h1))} AND hour <= ${p.u64(h2)}`;
  const b = p.u64(BUCKET_MS);
  const up = p.u64(BUCKET_MS - 1);
  const i64 = (v: number) => sql`toInt64(${p.u64(v)})`;
  return sql`SELECT sumMap(ks, ds) AS steps FROM (
      SELECT arrayFilter((s, e) -> s <= e, s1, e1) AS ss, arrayFilter((e, s) -> s <= e, e1, s1) AS ee,
        arrayConcat(ss, arrayMap(e -> e + 1, ee)) AS ks,
        arrayConcat(arrayResize(emptyArrayInt64(), length(ss), toInt64(1)),
          arrayResize(emptyArrayInt64(), length(ee), toInt64(-1))) AS ds
      FROM (
        SELECT arrayMap((s, l) -> greatest(s, l), starts, arrayResize(emptyArrayInt64(), length(starts), lo)) AS s1,
          arrayMap((e, h) -> least(e, h), stops, arrayResize(emptyArrayInt64(), length(stops), hi)) AS e1
        FROM (
          SELECT arrayFilter((x, pz) -> x > pz + 1, a, arrayPushFront(arrayPopBack(z), toInt64(-2))) AS starts,
            arrayFilter((y, na) -> na > y + 1, z, arrayPushBack(arrayPopFront(a), toInt64(9223372036854775807))) AS stops,
            lo, hi
          FROM (
            SELECT arrayMap(x -> intDiv(toInt64(x) + ${up}, ${b}), t) AS a,
              arrayMap(x -> intDiv(toInt64(x) + ${p.u64(windowMs)}, ${b}), t) AS z,
              greatest(${i64(first)}, intDiv(toInt64(first_ms) + ${up}, ${b})) AS lo,
              least(${i64(last)}, if(ends = 0, ${i64(last)}, intDiv(toInt64(end_ms) + ${up}, ${b}) - 1)) AS hi
            FROM (
              SELECT view_id, arraySort(groupArrayMerge(times)) AS t FROM ${times} GROUP BY view_id
            ) ALL INNER JOIN (
              SELECT view_id, minIf(ts_ms, kind = 1) AS first_ms, countIf(kind = 2) AS ends, minIf(ts_ms, kind = 2) AS end_ms
              FROM ${db}.ccv_views WHERE view_id IN (SELECT view_id FROM ${times})
              GROUP BY view_id HAVING countIf(kind = 1) > 0
            ) USING view_id
          )
        )
      )
    )`;
}

/**
 * The query of src/query/concurrency.ts from commit 4e981b2 to 2026-12-06 noon: every time of a
 * view grouped with its lifecycle rows in one `GROUP BY view_id` (`UNION ALL`, no join), the
 * intervals found on the view's sorted times, starts and stops clamped after `ARRAY JOIN`.
 */
export function groupedTimesStepsSql(store: Store, windowMs: number, first: number, last: number): Sql {
  const db = store.db;
  const i64 = (v: number) => sql`toInt64(${p.u64(v)})`;
  const h1 = (Math.floor((first * BUCKET_MS - windowMs) / HOUR_MS) * HOUR_MS) / 1000;
  const h2 = (Math.floor((last * BUCKET_MS) / HOUR_MS) * HOUR_MS) / 1000;
  const hours = sql`hour >= ${p.u64(Math.max(0, h1))} AND hour <= ${p.u64(h2)}`;
  const b = p.u64(BUCKET_MS);
  const up = p.u64(BUCKET_MS - 1);
  return sql`SELECT sumMap([k], [d]) AS steps FROM (
      SELECT least(greatest(raw_k, lo), hi_next) AS k, d FROM (
        SELECT arrayFilter((x, pz) -> x > pz + 1, a, arrayPushFront(arrayPopBack(z), toInt64(-2))) AS ss,
          arrayMap(y -> y + 1,
            arrayFilter((y, na) -> na > y + 1, z, arrayPushBack(arrayPopFront(a), toInt64(9223372036854775807)))) AS ee,
          arrayConcat(ss, ee) AS ks,
          arrayConcat(arrayResize(emptyArrayInt64(), length(ss), toInt64(1)),
            arrayResize(emptyArrayInt64(), length(ee), toInt64(-1))) AS ds,
          lo, hi_next
        FROM (
          SELECT arrayMap(x -> intDiv(toInt64(x) + ${up}, ${b}), t) AS a,
            arrayMap(x -> intDiv(toInt64(x) + ${p.u64(windowMs)}, ${b}), t) AS z,
            greatest(${i64(first)}, intDiv(toInt64(first_ms) + ${up}, ${b})) AS lo,
            greatest(lo, least(${i64(last)}, if(ends = 0, ${i64(last)}, intDiv(toInt64(end_ms) + ${up}, ${b}) - 1)) + 1) AS hi_next
          FROM (
            SELECT arraySort(groupArrayArray(tl)) AS t, countIf(kind = 1) AS plays, minIf(ts_ms, kind = 1) AS first_ms,
              countIf(kind = 2) AS ends, minIf(ts_ms, kind = 2) AS end_ms
            FROM (
              SELECT view_id, finalizeAggregation(times) AS tl, toUInt8(0) AS kind, toUInt64(0) AS ts_ms
              FROM ${db}.ccv_times WHERE ${hours}
              UNION ALL
              SELECT view_id, emptyArrayUInt64() AS tl, kind, ts_ms
              FROM ${db}.ccv_views WHERE view_id IN (SELECT view_id FROM ${db}.ccv_times WHERE ${hours})
            )
            GROUP BY view_id HAVING length(t) > 0 AND plays > 0
          )
        )
      ) ARRAY JOIN ks AS raw_k, ds AS d
    )`;
}

/** CPU time (user + system) of a process so far, in ms; undefined when it cannot be read. */
export function cpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) * 10; // clock ticks of 10 ms (CLK_TCK 100)
  } catch {
    return undefined;
  }
}

/** The non-zero steps of a `sumMap` answer, as "k:delta" sorted by k. */
function steps(row: { steps: [unknown[], unknown[]] } | undefined): string {
  const [keys = [], deltas = []] = row?.steps ?? [];
  return keys
    .map((k, i) => [Number(k), Number(deltas[i])] as const)
    .filter(([, d]) => d !== 0)
    .map(([k, d]) => `${k}:${d}`)
    .join(",");
}

export interface CompareRow {
  query: string;
  wallMs: number[];
  cpuMs: number[];
}

/**
 * Times the earlier queries and the current one alternately, `runs` times each after one warm-up
 * each, and throws when their answers differ.
 */
export async function compareCcvQueries(
  store: Store,
  range: { from: number; to: number },
  runs: number,
  pid: number | undefined,
): Promise<CompareRow[]> {
  const first = Math.ceil(range.from / BUCKET_MS);
  const last = Math.ceil(range.to / BUCKET_MS) - 1;
  const queries = [
    { query: "829d250: join, clipping in arrays", sql: previousStepsSql(store, 25_000, first, last) },
    { query: "4e981b2: every time grouped per view", sql: groupedTimesStepsSql(store, 25_000, first, last) },
    { query: "now: intervals per row, life in the rows", sql: ccvStepsSql(store, 25_000, first, last, undefined) },
  ];
  const answers = await Promise.all(
    queries.map(async (q) => steps((await store.select<{ steps: [unknown[], unknown[]] }>(q.sql))[0])),
  );
  if (answers.some((a) => a !== answers[0])) throw new Error("the CCV queries answer differently");
  const rows: CompareRow[] = queries.map((q) => ({ query: q.query, wallMs: [], cpuMs: [] }));
  for (let i = 0; i < runs; i++) {
    for (const [j, q] of queries.entries()) {
      const c0 = cpuMs(pid);
      const t0 = performance.now();
      await store.select(q.sql);
      const wall = performance.now() - t0;
      const c1 = cpuMs(pid);
      rows[j]?.wallMs.push(wall);
      if (c0 !== undefined && c1 !== undefined) rows[j]?.cpuMs.push(c1 - c0);
    }
  }
  return rows;
}

/** The median of a list of numbers (the upper one of an even count), or undefined when empty. */
export function median(xs: readonly number[]): number | undefined {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}
