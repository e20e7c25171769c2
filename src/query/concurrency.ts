import { CCV_BUCKET_SECONDS, num, p, sql, type Sql, type Store } from "../store/index.ts";
import type { Range } from "./params.ts";
import type { CcvPoint, Concurrency } from "./answers.ts";

export type { CcvPoint, Concurrency } from "./answers.ts";

const BUCKET_MS = CCV_BUCKET_SECONDS * 1000;
const HOUR_MS = 3_600_000;

export interface ConcurrencyQuery {
  range: Range;
  stepMs: number;
  windowSeconds: number;
  videoId?: string | undefined;
  now: number;
}

const iso = (ms: number) => new Date(ms).toISOString();
const i64 = (v: number) => sql`toInt64(${p.u64(v)})`;

/**
 * The +1/−1 steps of concurrent viewers over the 5 s buckets k = first..last (bucket k is the
 * instant k × 5 s). Per view, in one `GROUP BY view_id` over its event times (`ccv_times`, the
 * hours that can reach the buckets) and its lifecycle rows (`ccv_views`), with no join: the sorted
 * times, each event covering buckets ⌈ts/5 s⌉ .. ⌊(ts + window)/5 s⌋; covers that overlap or touch
 * merge into intervals (a start is a cover beginning after the previous one's end + 1, a stop a
 * cover ending before the next one's start − 1). Each start gives +1 and each stop −1 one bucket
 * after it; after `ARRAY JOIN` every position is clamped into the view's life within the range,
 * [lo, hi + 1] (first frame at or before the bucket, no end at or before it), so an interval
 * outside the life gives +1 and −1 at the same position and cancels. Summed per bucket: one entry
 * per change. No lambda captures a column (ClickHouse 18.16 loses such columns in subqueries), and
 * no alias repeats a column name (current ClickHouse's analyzer reads that as a cycle).
 */
export function ccvStepsSql(
  store: Store,
  windowMs: number,
  first: number,
  last: number,
  videoId: string | undefined,
): Sql {
  const db = store.db;
  const h1 = (Math.floor((first * BUCKET_MS - windowMs) / HOUR_MS) * HOUR_MS) / 1000;
  const h2 = (Math.floor((last * BUCKET_MS) / HOUR_MS) * HOUR_MS) / 1000;
  const video = videoId === undefined ? sql`` : sql` AND video_id = ${p.str(videoId)}`;
  const hours = sql`hour >= ${p.u64(Math.max(0, h1))} AND hour <= ${p.u64(h2)}${video}`;
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

/** Concurrent viewers at each 5 s bucket first..last (an array indexed from `first`). */
async function ccvPerBucket(store: Store, q: ConcurrencyQuery, first: number, last: number): Promise<number[]> {
  if (first > last) return [];
  const [row] = await store.select<{ steps: [unknown[], unknown[]] }>(
    ccvStepsSql(store, q.windowSeconds * 1000, first, last, q.videoId),
  );
  const [keys = [], deltas = []] = row?.steps ?? [];
  const steps = new Map(keys.map((k, i) => [num(k), num(deltas[i])]));
  const out: number[] = [];
  let running = 0;
  for (let k = first; k <= last; k++) out.push((running += steps.get(k) ?? 0));
  return out;
}

/**
 * Concurrent viewers over a range (docs/metrics.md#concurrent-viewers): a point every `stepMs`
 * (a multiple of 5 s, aligned to it), the peak over every 5 s bucket, and the current value.
 * Reads each view's event times and lifecycle rows, never the events.
 *
 * @example
 * const ccv = await concurrency(store, { range, stepMs: 5000, windowSeconds: 25, now: Date.now() });
 */
export async function concurrency(store: Store, q: ConcurrencyQuery): Promise<Concurrency> {
  const first = Math.ceil(q.range.from / BUCKET_MS);
  const last = Math.ceil(q.range.to / BUCKET_MS) - 1; // buckets < to
  const nowK = Math.floor(q.now / BUCKET_MS);
  const inRange = nowK >= first && nowK <= last;
  const [values, nowValues] = await Promise.all([
    ccvPerBucket(store, q, first, last),
    inRange ? Promise.resolve([]) : ccvPerBucket(store, q, nowK, nowK),
  ]);
  const at = (k: number) => (k >= first && k <= last ? (values[k - first] ?? 0) : 0);

  let peak = { t: null as string | null, viewers: 0 };
  values.forEach((v, i) => {
    if (v > peak.viewers) peak = { t: iso((first + i) * BUCKET_MS), viewers: v };
  });
  const series: CcvPoint[] = [];
  for (let t = Math.ceil(q.range.from / q.stepMs) * q.stepMs; t < q.range.to; t += q.stepMs) {
    series.push({ t: iso(t), viewers: at(t / BUCKET_MS) });
  }
  return {
    from: iso(q.range.from),
    to: iso(q.range.to),
    step_seconds: q.stepMs / 1000,
    window_seconds: q.windowSeconds,
    video_id: q.videoId ?? null,
    current: { t: iso(nowK * BUCKET_MS), viewers: inRange ? at(nowK) : (nowValues[0] ?? 0) },
    peak,
    series,
  };
}
