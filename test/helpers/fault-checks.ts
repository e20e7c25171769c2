import { expect } from "vitest";
import { CONSUMER_NAMES } from "../../src/consumers/registry.ts";
import { ident, sql, type Store } from "../../src/store/index.ts";
import { waitFor } from "../../src/local-servers/index.ts";
import type { LoadEvent, SteadyLoad } from "../../src/load/index.ts";
import type { LogLine, RoleProcess } from "./roles.ts";
import type { Rig } from "./rig.ts";

/** The aggregates the query API must report per title, computed from the confirmed events alone. */
export interface TitleAggregates {
  views: number;
  plays: number;
  completions: number;
  unique_viewers: number;
  watch_time_ms: number;
  /** Σ rebuffer / (Σ watch + Σ rebuffer), per-view maxima; null without watch time. */
  rebuffer_ratio: number | null;
}

/** How far played and rebuffer time may run ahead of a view's wall clock (docs/metrics.md, "Plausibility"). */
const PLAUSIBILITY_SLACK_MS = 60_000;

/**
 * Per title, from the events alone, by the definitions of docs/metrics.md: a view is
 * `(user_id, view_id)`; its played (and rebuffer) time is its largest reported value, bounded by the
 * time from its `play_requested` to its latest event (without one, the span of its events) plus 60 s.
 */
export function expectedAggregates(events: Iterable<LoadEvent>): Map<string, TitleAggregates> {
  interface View {
    video: string;
    user: string;
    requested: boolean;
    played: boolean;
    completed: boolean;
    playedMs: number;
    rebufferMs: number;
    requestedAt: number;
    firstAt: number;
    lastAt: number;
  }
  const views = new Map<string, View>();
  for (const e of events) {
    if (!e.type.startsWith("user.video.")) continue;
    const key = JSON.stringify([e.user_id, e.view_id]);
    const at = Date.parse(e.timestamp);
    const v = views.get(key) ?? {
      video: String(e.video_id),
      user: String(e.user_id),
      requested: false,
      played: false,
      completed: false,
      playedMs: 0,
      rebufferMs: 0,
      requestedAt: Number.POSITIVE_INFINITY,
      firstAt: at,
      lastAt: at,
    };
    if (e.type === "user.video.play_requested") {
      v.requested = true;
      v.requestedAt = Math.min(v.requestedAt, at);
    }
    if (e.type === "user.video.played") v.played = true;
    if (e.type === "user.video.completed") v.completed = true;
    v.playedMs = Math.max(v.playedMs, typeof e.played_ms === "number" ? e.played_ms : 0);
    v.rebufferMs = Math.max(v.rebufferMs, typeof e.rebuffer_ms === "number" ? e.rebuffer_ms : 0);
    v.firstAt = Math.min(v.firstAt, at);
    v.lastAt = Math.max(v.lastAt, at);
    views.set(key, v);
  }
  const clock = (v: View) =>
    (v.requested ? Math.max(v.lastAt, v.requestedAt) - v.requestedAt : v.lastAt - v.firstAt) + PLAUSIBILITY_SLACK_MS;
  const out = new Map<
    string,
    Omit<TitleAggregates, "rebuffer_ratio"> & { rebuffer_ms: number; viewers: Set<string> }
  >();
  for (const v of views.values()) {
    const a = out.get(v.video) ?? {
      views: 0,
      plays: 0,
      completions: 0,
      unique_viewers: 0,
      watch_time_ms: 0,
      rebuffer_ms: 0,
      viewers: new Set<string>(),
    };
    if (v.requested) {
      a.views++;
      a.viewers.add(v.user);
    }
    if (v.played) a.plays++;
    if (v.completed) a.completions++;
    a.watch_time_ms += Math.min(v.playedMs, clock(v));
    a.rebuffer_ms += Math.min(v.rebufferMs, clock(v));
    out.set(v.video, a);
  }
  return new Map(
    [...out].map(([video, { viewers, rebuffer_ms, ...a }]) => {
      const total = a.watch_time_ms + rebuffer_ms;
      return [video, { ...a, unique_viewers: viewers.size, rebuffer_ratio: total === 0 ? null : rebuffer_ms / total }];
    }),
  );
}

async function distinct(
  store: Store,
  column: "id" | "event_id",
  table: "events" | "rec_events" | "catalog",
): Promise<Set<string>> {
  const rows = await store.select<{ v: string }>(
    sql`SELECT DISTINCT ${ident(column)} AS v FROM ${store.db}.${ident(table)}`,
  );
  return new Set(rows.map((r) => r.v));
}

function diff(stored: Set<string>, expected: Set<string>) {
  const missing = [...expected].filter((id) => !stored.has(id));
  const extra = [...stored].filter((id) => !expected.has(id));
  return {
    missing: missing.length,
    extra: extra.length,
    someMissing: missing.slice(0, 5),
    someExtra: extra.slice(0, 5),
  };
}

export interface Settled {
  /**
   * Rows of `events` beyond one per event still unmerged at the end: redelivered batches written
   * twice. ReplacingMergeTree folds them in the background, so this undercounts; queries never rely on it.
   */
  duplicateRows: number;
  /** Seconds from the call until every confirmed event was in every table and no consumer lagged. */
  drainSeconds: number;
  events: number;
  /** Deliveries beyond the first over the whole run (analytics + recommendations). */
  redeliveries: number;
}

/**
 * The two checks every fault test ends with, once load has stopped:
 * 1. the distinct event ids stored in each table equal the confirmed set exactly;
 * 2. views, plays, completions, unique viewers and watch/rebuffer time per title, from the
 *    query API, equal the values computed from the confirmed events.
 */
export async function expectExactlyOnceEffect(
  rig: Rig,
  confirmed: ReadonlyMap<string, LoadEvent>,
  timeoutMs = 90_000,
): Promise<Settled> {
  const t0 = Date.now();
  const all = [...confirmed.values()];
  const video = new Set(all.filter((e) => e.type.startsWith("user.video.")).map((e) => e.id));
  const content = new Set(all.filter((e) => e.type === "video.encoding.completed").map((e) => e.id));
  const snapshot = async () => ({
    events: diff(await distinct(rig.store, "id", "events"), video),
    rec_events: diff(await distinct(rig.store, "id", "rec_events"), video),
    catalog: diff(await distinct(rig.store, "event_id", "catalog"), content),
  });
  const exact = { missing: 0, extra: 0, someMissing: [], someExtra: [] };
  // Poll until the consumers caught up; then assert whatever the last snapshot says.
  await waitFor(
    async () => {
      const { lag } = await rig.lag.current();
      const s = await snapshot();
      return (
        lag.analytics + lag.recommendations + lag.content === 0 &&
        Object.values(s).every((d) => d.missing === 0 && d.extra === 0)
      );
    },
    { timeoutMs, intervalMs: 500, what: "every confirmed event stored and no consumer lag" },
  ).catch(() => undefined);
  const drainSeconds = (Date.now() - t0) / 1000;
  expect(await snapshot()).toEqual({ events: exact, rec_events: exact, catalog: exact });

  const [rows] = await rig.store.select<{ n: string }>(sql`SELECT count() AS n FROM ${rig.store.db}.events`);
  const duplicateRows = Number(rows?.n ?? 0) - video.size;

  const expected = expectedAggregates(all);
  const from = Date.now() - 2 * 24 * 3600_000;
  const to = Date.now() + 24 * 3600_000;
  const get = async (path: string): Promise<unknown> => {
    const res = await fetch(`${rig.query.baseUrl}${path}`, { headers: { authorization: `Bearer ${rig.readKey}` } });
    expect(res.status).toBe(200);
    return res.json();
  };
  const actual = new Map<string, TitleAggregates>();
  for (const videoId of rig.gen.videoIds) {
    const s = (await get(`/v1/videos/${videoId}/stats?from=${from}&to=${to}`)) as TitleAggregates;
    actual.set(videoId, {
      views: s.views,
      plays: s.plays,
      completions: s.completions,
      unique_viewers: s.unique_viewers,
      watch_time_ms: s.watch_time_ms,
      rebuffer_ratio: s.rebuffer_ratio,
    });
  }
  expect(Object.fromEntries(actual)).toEqual(Object.fromEntries(rig.gen.videoIds.map((id) => [id, expected.get(id)])));

  const top = (await get(`/v1/videos/top?by=views&limit=100&from=${from}&to=${to}`)) as {
    items: { video_id: string; views: number; watch_time_ms: number; title: string | null }[];
  };
  const byVideo = (items: { video_id: string; views: number; watch_time_ms: number }[]) =>
    Object.fromEntries(items.map((i) => [i.video_id, { views: i.views, watch_time_ms: i.watch_time_ms }]));
  expect(byVideo(top.items)).toEqual(
    byVideo(
      rig.gen.videoIds.map((id) => ({
        video_id: id,
        views: expected.get(id)?.views ?? 0,
        watch_time_ms: expected.get(id)?.watch_time_ms ?? 0,
      })),
    ),
  );
  return { duplicateRows, drainSeconds, events: confirmed.size, redeliveries: (await rig.lag.current()).redeliveries };
}

/** Checks the load client's own record: nothing rejected, nothing given up. */
export function expectCleanLoad(load: SteadyLoad): void {
  const s = load.stats();
  expect({ rejected: s.rejected.slice(0, 5), abandoned: s.abandoned }).toEqual({ rejected: [], abandoned: 0 });
}

/** Figures of one fault for docs/reliability.md, printed so `npm run test:fault` shows them. */
export function report(fault: string, figures: Record<string, unknown>): void {
  console.log(`FAULT ${fault} ${JSON.stringify(figures)}`);
}

export const seconds = (ms: number) => Math.round(ms / 100) / 10;

/**
 * Lets `ms` pass while load runs: the length of a fault (an outage, a pause), not a wait for a
 * state. Tests wait for states with waitFor / waitForLog.
 */
export function holdFor(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * When the process wrote `line`: its pino `time` (ISO, ms, the clock the tests read too), or NaN
 * without one. Unlike the line's index, this does not depend on when the test read the pipe.
 */
export function loggedAt(line: LogLine): number {
  return typeof line.time === "string" ? Date.parse(line.time) : Number.NaN;
}

export const FAULT_PHASES = ["writing", "stored", "acked"] as const;
export type FaultPhase = (typeof FAULT_PHASES)[number] | "idle";

/**
 * Where each consumer loop of a killed process was, from the "fault hook" lines it logged
 * (PLAYPULSE_FAULT_DELAY_AFTER_WRITE_MS): "writing" = killed during the insert, "stored" =
 * after the insert and before the ack, "acked"/"idle" = between batches.
 */
export function phasesAtDeath(p: RoleProcess): Record<string, FaultPhase> {
  const out: Record<string, FaultPhase> = Object.fromEntries(CONSUMER_NAMES.map((c) => [c, "idle"]));
  for (const l of p.logs()) {
    if (
      l.msg === "fault hook" &&
      typeof l.consumer === "string" &&
      (FAULT_PHASES as readonly unknown[]).includes(l.phase)
    ) {
      out[l.consumer] = l.phase as FaultPhase;
    }
  }
  return out;
}
