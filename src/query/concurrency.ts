import { CCV_BUCKET_SECONDS, num, p, presenceTable, sql, type Sql, type Store } from "../store/index.ts";
import type { Range } from "./params.ts";

const BUCKET_MS = CCV_BUCKET_SECONDS * 1000;

export interface CcvPoint {
  t: string;
  viewers: number;
}

export interface Concurrency {
  from: string;
  to: string;
  step_seconds: number;
  window_seconds: number;
  video_id: string | null;
  /** Concurrent viewers at the latest 5 s bucket at or before now. */
  current: CcvPoint;
  /** The highest value over every 5 s bucket of the range (the earliest such bucket); t is null when it is 0. */
  peak: { t: string | null; viewers: number };
  series: CcvPoint[];
}

export interface ConcurrencyQuery {
  range: Range;
  stepMs: number;
  windowSeconds: number;
  videoId?: string | undefined;
  now: number;
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Viewers per 5 s bucket (epoch seconds) for the buckets `buckets` selects: distinct views present
 * at the bucket (an event within the window before it) that had shown their first frame and had not
 * ended or completed by then. Reads the presence rows of those buckets and the lifecycle rows of their
 * views only, never the events.
 */
function ccvSql(store: Store, windowSeconds: number, buckets: Sql, videoId: string | undefined): Sql {
  const presence = presenceTable(store.db, windowSeconds);
  const where = videoId === undefined ? buckets : sql`(${buckets}) AND video_id = ${p.str(videoId)}`;
  return sql`SELECT bucket, uniqExact(view_id) AS viewers FROM (
      SELECT bucket, view_id FROM ${presence} WHERE ${where}
    ) ALL INNER JOIN (
      SELECT view_id, minIf(ts_ms, kind = 1) AS first_ms, countIf(kind = 2) AS ends, minIf(ts_ms, kind = 2) AS end_ms
      FROM ${store.db}.ccv_views WHERE view_id IN (SELECT view_id FROM ${presence} WHERE ${where})
      GROUP BY view_id HAVING countIf(kind = 1) > 0
    ) USING view_id
    WHERE first_ms <= bucket * 1000 AND (ends = 0 OR end_ms > bucket * 1000)
    GROUP BY bucket ORDER BY bucket`;
}

/**
 * Concurrent viewers over a range (docs/metrics.md#concurrent-viewers): a point every `stepMs`
 * (a multiple of 5 s, aligned to it), the peak over every 5 s bucket, and the current value.
 *
 * @example
 * const ccv = await concurrency(store, { range, stepMs: 5000, windowSeconds: 25, now: Date.now() });
 */
export async function concurrency(store: Store, q: ConcurrencyQuery): Promise<Concurrency> {
  const firstB = Math.ceil(q.range.from / BUCKET_MS) * CCV_BUCKET_SECONDS;
  const lastB = Math.ceil(q.range.to / BUCKET_MS) * CCV_BUCKET_SECONDS - CCV_BUCKET_SECONDS; // buckets < to
  const nowB = Math.floor(q.now / BUCKET_MS) * CCV_BUCKET_SECONDS;
  const buckets = sql`(bucket >= ${p.u64(firstB)} AND bucket <= ${p.u64(lastB)}) OR bucket = ${p.u64(nowB)}`;
  const rows = await store.select<{ bucket: unknown; viewers: unknown }>(
    ccvSql(store, q.windowSeconds, buckets, q.videoId),
  );
  const at = new Map(rows.map((r) => [num(r.bucket), num(r.viewers)]));

  let peak = { t: null as string | null, viewers: 0 };
  for (const [b, v] of [...at].sort((a, z) => a[0] - z[0])) {
    if (b >= firstB && b <= lastB && v > peak.viewers) peak = { t: iso(b * 1000), viewers: v };
  }
  const series: CcvPoint[] = [];
  for (let t = Math.ceil(q.range.from / q.stepMs) * q.stepMs; t < q.range.to; t += q.stepMs) {
    series.push({ t: iso(t), viewers: at.get(t / 1000) ?? 0 });
  }
  return {
    from: iso(q.range.from),
    to: iso(q.range.to),
    step_seconds: q.stepMs / 1000,
    window_seconds: q.windowSeconds,
    video_id: q.videoId ?? null,
    current: { t: iso(nowB * 1000), viewers: at.get(nowB) ?? 0 },
    peak,
    series,
  };
}
