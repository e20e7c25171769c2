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
 * instant k × 5 s), as a `sumMap` (docs/metrics.md#concurrent-viewers).
 *
 * 1. Per `ccv_times` row of the hours that can reach the buckets (no grouping yet): its times
 *    sorted, each event covering buckets ⌈ts/5 s⌉ .. ⌊(ts + window)/5 s⌋; covers that overlap or
 *    touch merge into intervals (a start is a cover beginning after the previous one's end + 1, a
 *    stop a cover ending before the next one's start − 1). Each interval becomes two keys,
 *    start × 2 + 1 and (stop + 1) × 2, so one sort orders positions and one parity gives the sign.
 * 2. One `GROUP BY view_id` over those rows and the view's lifecycle rows before the hours read
 *    (`ccv_views`; the rows read carry the rest: first frame and first end, stored + 1, 0 = none).
 * 3. Per view, the union of its rows' intervals: the keys sorted, a running sum of ±1, and a +1
 *    where the sum leaves 0 and a −1 where it returns to 0 (a stop and a start at one position may
 *    give both there; they cancel in the sum).
 * 4. After `ARRAY JOIN`, every position clamped into the view's life within the range,
 *    [lo, hi + 1] (first frame at or before the bucket, no end at or before it), so an interval
 *    outside the life gives +1 and −1 at one position and cancels. Summed per bucket.
 *
 * No lambda captures a column (ClickHouse 18.16 loses such columns in subqueries), and no alias
 * repeats a column name (current ClickHouse's analyzer reads that as a cycle).
 */
export function ccvStepsSql(
  store: Store,
  windowMs: number,
  first: number,
  last: number,
  videoId: string | undefined,
): Sql {
  const db = store.db;
  const h1 = Math.max(0, (Math.floor((first * BUCKET_MS - windowMs) / HOUR_MS) * HOUR_MS) / 1000);
  const h2 = (Math.floor((last * BUCKET_MS) / HOUR_MS) * HOUR_MS) / 1000;
  const video = videoId === undefined ? sql`` : sql` AND video_id = ${p.str(videoId)}`;
  const hours = sql`hour >= ${p.u64(h1)} AND hour <= ${p.u64(h2)}${video}`;
  const b = p.u64(BUCKET_MS);
  const up = p.u64(BUCKET_MS - 1);
  const bucketOf = (ms: Sql) => sql`intDiv(toInt64(${ms}) + ${up}, ${b})`; // ⌈ms / 5 s⌉
  return sql`SELECT sumMap([k], [d]) AS steps FROM (
      SELECT least(greatest(raw_k, lo), hi_next) AS k, d FROM (
        SELECT arraySort(kl) AS sk, arrayCumSum(arrayMap(x -> x % 2 * 2 - 1, sk)) AS c,
          arrayPushFront(arrayPopBack(c), toInt64(0)) AS pc,
          arrayMap(x -> intDiv(x, 2), arrayFilter((x, cc, pp) -> (cc > 0) != (pp > 0), sk, c, pc)) AS tk,
          arrayMap(cc -> if(cc > 0, toInt64(1), toInt64(-1)), arrayFilter((cc, pp) -> (cc > 0) != (pp > 0), c, pc)) AS td,
          greatest(${i64(first)}, ${bucketOf(sql`first_ms - 1`)}) AS lo,
          greatest(lo, least(${i64(last)}, if(end_ms = 0, ${i64(last)}, ${bucketOf(sql`end_ms - 1`)} - 1)) + 1) AS hi_next
        FROM (
          SELECT groupArrayArray(ks) AS kl, minIf(pm, pm > 0) AS first_ms, minIf(em, em > 0) AS end_ms
          FROM (
            SELECT view_id, arrayConcat(arrayMap(x -> x * 2 + 1, ss), arrayMap(y -> y * 2 + 2, ee)) AS ks, pm, em
            FROM (
              SELECT view_id, pm, em,
                arrayFilter((x, pz) -> x > pz + 1, a, arrayPushFront(arrayPopBack(z), toInt64(-2))) AS ss,
                arrayFilter((y, na) -> na > y + 1, z, arrayPushBack(arrayPopFront(a), toInt64(9223372036854775807))) AS ee
              FROM (
                SELECT view_id, arraySort(finalizeAggregation(times)) AS t,
                  arrayMap(x -> intDiv(toInt64(x) + ${up}, ${b}), t) AS a,
                  arrayMap(x -> intDiv(toInt64(x) + ${p.u64(windowMs)}, ${b}), t) AS z,
                  finalizeAggregation(first_played) AS pm, finalizeAggregation(first_end) AS em
                FROM ${db}.ccv_times WHERE ${hours}
              )
            )
            UNION ALL
            SELECT view_id, emptyArrayInt64() AS ks, if(kind = 1, ts_ms + 1, toUInt64(0)) AS pm,
              if(kind = 2, ts_ms + 1, toUInt64(0)) AS em
            FROM ${db}.ccv_views
            WHERE ts_ms < ${p.u64(h1 * 1000)}${video} AND view_id IN (SELECT view_id FROM ${db}.ccv_times WHERE ${hours})
          )
          GROUP BY view_id HAVING length(kl) > 0 AND first_ms > 0
        )
      ) ARRAY JOIN tk AS raw_k, td AS d
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
