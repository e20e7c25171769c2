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
 * instant k × 5 s). Per view: the sorted set of its event times (`ccv_times`, the hours that can
 * reach the buckets), each event covering buckets ⌈ts/5 s⌉ .. ⌊(ts + window)/5 s⌋; covers that
 * overlap or touch merge into intervals (a start is a cover beginning after the previous one's
 * end + 1, a stop a cover ending before the next one's start − 1); each interval is clipped to the
 * view's life (first frame at or before the bucket, no end at or before it: `ccv_views`) and to the
 * range, and gives +1 at its first bucket and −1 after its last. Summed per bucket: one row per
 * change. No lambda captures a column (ClickHouse 18.16 loses such columns in subqueries).
 */
function stepsSql(store: Store, windowMs: number, first: number, last: number, videoId: string | undefined): Sql {
  const db = store.db;
  const h1 = (Math.floor((first * BUCKET_MS - windowMs) / HOUR_MS) * HOUR_MS) / 1000;
  const h2 = (Math.floor((last * BUCKET_MS) / HOUR_MS) * HOUR_MS) / 1000;
  const video = videoId === undefined ? sql`` : sql` AND video_id = ${p.str(videoId)}`;
  const times = sql`${db}.ccv_times WHERE hour >= ${p.u64(Math.max(0, h1))} AND hour <= ${p.u64(h2)}${video}`;
  const b = p.u64(BUCKET_MS);
  const up = p.u64(BUCKET_MS - 1);
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

/** Concurrent viewers at each 5 s bucket first..last (an array indexed from `first`). */
async function ccvPerBucket(store: Store, q: ConcurrencyQuery, first: number, last: number): Promise<number[]> {
  if (first > last) return [];
  const [row] = await store.select<{ steps: [unknown[], unknown[]] }>(
    stepsSql(store, q.windowSeconds * 1000, first, last, q.videoId),
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
