import { ApiError } from "../http/errors.ts";
import { ident, num, p, sql, type Ident, type Sql, type Store } from "../store/index.ts";
import type { BacklogReader, ConsumerBacklog, SourceLag } from "../telemetry/consumer-backlog.ts";
import type { ConsumerTable } from "./consumer-tables.ts";
import type { ConsumerLag, Freshness, LagReport, RegionLag } from "./answers.ts";

export type { ConsumerLag, Freshness, LagReport, RegionLag } from "./answers.ts";

/**
 * Event-to-stored time (`stored_ms - received_ms`) of the rows a consumer stored since `since`.
 * Every consumer table keeps both columns; rows without `received_ms` (0) do not count.
 */
const freshnessSql = (db: Ident, table: string, since: number): Sql =>
  sql`SELECT count() AS samples, quantiles(0.5, 0.95)(toInt64(stored_ms) - toInt64(received_ms)) AS q
    FROM ${ident(`${db.ident}.${table}`)} WHERE stored_ms >= ${p.u64(since)} AND received_ms > 0`;

/** `?minutes=`: the freshness window, 1 to 1440 minutes, 5 by default. */
export function parseWindowMinutes(raw: string | undefined): number {
  if (raw === undefined || raw === "") return 5;
  if (!/^\d{1,4}$/.test(raw) || Number(raw) < 1 || Number(raw) > 1440) {
    throw new ApiError(
      400,
      "invalid_parameter",
      `minutes: must be an integer between 1 and 1440, got "${raw.slice(0, 32)}"`,
    );
  }
  return Number(raw);
}

async function freshnessOf(store: Store, table: string, since: number, windowMinutes: number): Promise<Freshness> {
  const [row] = await store.select<{ samples: unknown; q: (number | null)[] }>(freshnessSql(store.db, table, since));
  const samples = row ? num(row.samples) : 0;
  const at = (i: number) => {
    const v = samples > 0 ? row?.q[i] : null;
    return typeof v === "number" && Number.isFinite(v) ? Math.round(v) / 1000 : null;
  };
  return { window_minutes: windowMinutes, samples, p50_seconds: at(0), p95_seconds: at(1) };
}

function backlogFields(b: ConsumerBacklog | undefined, now: number): Omit<ConsumerLag, "consumer" | "freshness"> {
  if (!b) {
    return {
      filter_subject: null,
      pending_messages: null,
      undelivered_messages: null,
      unacked_messages: null,
      oldest_unprocessed_age_seconds: null,
      oldest_unprocessed: null,
      dead_letters: null,
    };
  }
  return {
    filter_subject: b.filterSubject,
    pending_messages: b.numPending + b.numAckPending,
    undelivered_messages: b.numPending,
    unacked_messages: b.numAckPending,
    oldest_unprocessed_age_seconds: b.oldest ? Math.max(0, now - b.oldest.storedAt) / 1000 : 0,
    oldest_unprocessed: b.oldest
      ? { stream_seq: b.oldest.seq, subject: b.oldest.subject, stored_at: new Date(b.oldest.storedAt).toISOString() }
      : null,
    dead_letters: b.deadLetters,
  };
}

function regionLag(s: SourceLag): RegionLag {
  return {
    region: s.region,
    stream: s.stream,
    lag_messages: s.lag,
    last_active_seconds_ago: s.activeMs === null ? null : s.activeMs / 1000,
    error: s.error,
  };
}

/**
 * Each consumer's lag: its backlog in JetStream (pending messages, the age of the oldest
 * unprocessed event, dead letters) and how fast its rows were stored lately (p50/p95 of
 * event-to-stored time over the window, from ClickHouse); beside them, the stream's size and,
 * with regions, each region's sourcing lag (docs/regions.md). Without a NATS connection the
 * backlog fields are null and `backlog` says "unavailable"; the freshness still answers.
 *
 * @example
 * const report = await consumerLag({ store, consumers: CONSUMERS, backlog }, 5, Date.now());
 */
export async function consumerLag(
  deps: { store: Store; consumers: readonly ConsumerTable[]; backlog?: BacklogReader | undefined },
  windowMinutes: number,
  now: number,
): Promise<LagReport> {
  const since = now - windowMinutes * 60_000;
  const names = deps.consumers.map((c) => c.name);
  const backlogRead = deps.backlog
    ? deps.backlog.read(names).then(
        (list) => ({ list, error: undefined }),
        (err: unknown) => ({ list: undefined, error: err instanceof Error ? err.message : String(err) }),
      )
    : Promise.resolve({ list: undefined, error: "this process has no NATS connection" });
  const sizeRead = deps.backlog?.streamSize ? deps.backlog.streamSize().catch(() => null) : Promise.resolve(null);
  const sourcesRead = deps.backlog?.sources
    ? deps.backlog.sources().then(
        // By region name: the server lists a stream's sources in no fixed order.
        (list) => list.map(regionLag).sort((a, b) => (a.region < b.region ? -1 : a.region > b.region ? 1 : 0)),
        () => null,
      )
    : Promise.resolve(null);
  const [backlog, stream, regions, freshness] = await Promise.all([
    backlogRead,
    sizeRead,
    sourcesRead,
    Promise.all(deps.consumers.map((c) => freshnessOf(deps.store, c.table, since, windowMinutes))),
  ]);
  return {
    as_of: new Date(now).toISOString(),
    window_minutes: windowMinutes,
    backlog: backlog.list ? "ok" : "unavailable",
    ...(backlog.error !== undefined ? { backlog_error: backlog.error } : {}),
    stream,
    consumers: names.map((consumer, i) => ({
      consumer,
      ...backlogFields(
        backlog.list?.find((b) => b.consumer === consumer),
        now,
      ),
      freshness: freshness[i] as Freshness,
    })),
    regions,
  };
}
