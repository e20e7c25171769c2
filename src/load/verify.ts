import { chQuery, startsWithSql, type ClickHouseTarget } from "./clickhouse-http.ts";
import { reasonOf, TargetError } from "./errors.ts";
import { queryApiRefused } from "./targets.ts";
import type { GroundTruth, TitleTotals } from "./truth.ts";
import type { GeneratedEvent } from "./views.ts";

export interface IdCheck {
  table: string;
  expected: number;
  found: number;
  missing: number;
  /** Stored ids the generator never saw accepted nor sent: always a bug. */
  unexpected: number;
  examples: string[];
}

export interface TitleDiff {
  video_id: string;
  expected: TitleTotals;
  found: TitleTotals;
}

export interface Verification {
  ok: boolean;
  via: "clickhouse" | "query-api";
  ids: IdCheck[];
  /** Events whose request failed without an answer but that were stored; counted in the truth. */
  unconfirmedStored: number;
  titlesChecked: number;
  titleDiffs: TitleDiff[];
  waitedMs: number;
  notes: string[];
}

const ZERO: TitleTotals = { views: 0, plays: 0, completions: 0, watch_time_ms: 0 };
const same = (a: TitleTotals, b: TitleTotals) =>
  a.views === b.views && a.plays === b.plays && a.completions === b.completions && a.watch_time_ms === b.watch_time_ms;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function diffTitles(expected: Map<string, TitleTotals>, found: Map<string, TitleTotals>): TitleDiff[] {
  const diffs: TitleDiff[] = [];
  for (const id of new Set([...expected.keys(), ...found.keys()])) {
    const e = expected.get(id) ?? ZERO;
    const f = found.get(id) ?? ZERO;
    if (!same(e, f)) diffs.push({ video_id: id, expected: e, found: f });
  }
  return diffs.sort((a, b) => a.video_id.localeCompare(b.video_id));
}

interface IdTable {
  table: "events" | "rec_events" | "catalog";
  column: string;
  expected: () => number;
}

function idTables(truth: GroundTruth): IdTable[] {
  return [
    { table: "events", column: "id", expected: () => truth.playEventCount() },
    { table: "rec_events", column: "id", expected: () => truth.playEventCount() },
    { table: "catalog", column: "event_id", expected: () => truth.catalogIds().size },
  ];
}

/** Waits until every table holds at least what was confirmed, or `timeoutMs`; a note says when it gave up. */
async function waitForCounts(
  target: ClickHouseTarget,
  tables: IdTable[],
  prefix: string,
  timeoutMs: number,
  notes: string[],
): Promise<void> {
  const t0 = performance.now();
  const count = async (t: IdTable) => {
    const sql = `SELECT uniqExact(${t.column}) FROM ${t.table} WHERE ${startsWithSql(t.column, prefix)}`;
    return Number((await chQuery(target, sql))[0]?.[0] ?? 0);
  };
  for (;;) {
    const c = await Promise.all(tables.map(count));
    if (c.every((n, i) => n >= (tables[i]?.expected() ?? 0))) break;
    if (performance.now() - t0 > timeoutMs) {
      const state = tables.map((t, i) => `${t.table} ${c[i]}/${t.expected()}`).join(", ");
      notes.push(`gave up waiting after ${timeoutMs} ms: ${state}`);
      break;
    }
    await sleep(250);
  }
}

/**
 * The stored ids of one table against the truth. A stored id of a failed request joins the
 * truth (the broker stored it before the answer was lost); `stored` counts those.
 */
async function checkIds(
  target: ClickHouseTarget,
  t: IdTable,
  prefix: string,
  truth: GroundTruth,
  unconfirmed: Map<string, GeneratedEvent>,
): Promise<{ check: IdCheck; stored: number }> {
  const sql = `SELECT DISTINCT ${t.column} FROM ${t.table} WHERE ${startsWithSql(t.column, prefix)}`;
  const found = new Set((await chQuery(target, sql, 120_000)).map((r) => r[0] ?? ""));
  const isCatalog = t.table === "catalog";
  const check: IdCheck = { table: t.table, expected: 0, found: found.size, missing: 0, unexpected: 0, examples: [] };
  let stored = 0;
  for (const id of found) {
    const known = isCatalog ? truth.catalogIds().has(id) : truth.hasPlayEvent(id);
    if (known) continue;
    const u = unconfirmed.get(id);
    if (u) {
      truth.accept(u);
      stored++;
      continue;
    }
    check.unexpected++;
    if (check.examples.length < 5) check.examples.push(`unexpected ${id}`);
  }
  const expectedIds = isCatalog ? [...truth.catalogIds()] : truth.playEventIds();
  for (const id of expectedIds) {
    check.expected++;
    if (found.has(id)) continue;
    check.missing++;
    if (check.examples.length < 10) check.examples.push(`missing ${id}`);
  }
  return { check, stored };
}

/** Views, plays, completions and watch time per title of this run, as ClickHouse has them. */
async function storedTitles(target: ClickHouseTarget, prefix: string): Promise<Map<string, TitleTotals>> {
  const rows = await chQuery(
    target,
    `SELECT video_id, countIf(requested = 1), countIf(played = 1), countIf(completed = 1), sum(played_ms)
     FROM (SELECT view_id, any(video_id) AS video_id,
             max(type = 'user.video.play_requested') AS requested,
             max(type = 'user.video.played') AS played,
             max(type = 'user.video.completed') AS completed,
             max(played_ms) AS played_ms
           FROM events WHERE ${startsWithSql("id", prefix)} GROUP BY view_id)
     GROUP BY video_id`,
    120_000,
  );
  return new Map<string, TitleTotals>(
    rows.map(([id = "", views = "0", plays = "0", completions = "0", watch = "0"]) => [
      id,
      { views: Number(views), plays: Number(plays), completions: Number(completions), watch_time_ms: Number(watch) },
    ]),
  );
}

/**
 * Compares what ClickHouse holds for this run with the ground truth: the distinct event ids
 * of `events` and `rec_events` (user.video.*) and the `event_id`s of `catalog`, then the
 * per-title views, plays, completions and watch time. Waits (up to `timeoutMs`) for the
 * consumers to catch up before it judges. Throws a TargetError when ClickHouse cannot be read.
 *
 * @example
 * const v = await verifyWithClickHouse({ url: "http://127.0.0.1:8123", database: "playpulse" }, runId, truth, unconfirmed, 60_000);
 * if (!v.ok) console.error(v.ids, v.titleDiffs);
 */
export async function verifyWithClickHouse(
  target: ClickHouseTarget,
  runId: string,
  truth: GroundTruth,
  unconfirmed: Map<string, GeneratedEvent>,
  timeoutMs: number,
): Promise<Verification> {
  const prefix = `${runId}.`;
  const notes: string[] = [];
  const t0 = performance.now();
  const tables = idTables(truth);
  await waitForCounts(target, tables, prefix, timeoutMs, notes);
  // Let the last in-flight batches (e.g. unconfirmed events that were stored) land.
  await sleep(500);

  const ids: IdCheck[] = [];
  let unconfirmedStored = 0;
  for (const t of tables) {
    const { check, stored } = await checkIds(target, t, prefix, truth, unconfirmed);
    if (t.table === "events") unconfirmedStored += stored;
    ids.push(check);
  }
  const expected = truth.titles();
  const titleDiffs = diffTitles(expected, await storedTitles(target, prefix));
  if (unconfirmedStored > 0)
    notes.push(
      `${unconfirmedStored} events of failed requests were stored anyway (the broker stored them before the answer was lost); counted in the truth`,
    );
  const ok = ids.every((c) => c.missing === 0 && c.unexpected === 0) && titleDiffs.length === 0;
  return {
    ok,
    via: "clickhouse",
    ids,
    unconfirmedStored,
    titlesChecked: expected.size,
    titleDiffs,
    waitedMs: Math.round(performance.now() - t0),
    notes,
  };
}

/** GET /v1/videos/:id/stats with the read key; a TargetError (one line) for anything but a 200. */
async function titleStats(url: string, readKey: string, id: string): Promise<TitleTotals> {
  const path = `/v1/videos/${encodeURIComponent(id)}/stats`;
  let res: Response;
  let body: string;
  try {
    res = await fetch(`${url}${path}`, {
      headers: { authorization: `Bearer ${readKey}` },
      signal: AbortSignal.timeout(10_000),
    });
    body = await res.text();
  } catch (err: unknown) {
    throw new TargetError(`cannot read the query API at ${url}: ${reasonOf(err)}`, { cause: err });
  }
  if (res.status !== 200) throw queryApiRefused(url, path, res.status, body);
  return JSON.parse(body) as TitleTotals;
}

/**
 * Compares per-title aggregates through the query API (GET /v1/videos/:id/stats with a read
 * key), polling until they match or `timeoutMs` passes. Ids cannot be checked this way.
 * Throws a TargetError when the query API cannot be read or refuses the key.
 */
export async function verifyWithApi(
  url: string,
  readKey: string,
  truth: GroundTruth,
  timeoutMs: number,
): Promise<Verification> {
  const t0 = performance.now();
  const expected = truth.titles("served");
  const ids = [...expected.keys()];
  let diffs: TitleDiff[] = [];
  for (;;) {
    const found = new Map<string, TitleTotals>();
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let i = next++; i < ids.length; i = next++) {
          const id = ids[i] ?? "";
          const b = await titleStats(url, readKey, id);
          found.set(id, { views: b.views, plays: b.plays, completions: b.completions, watch_time_ms: b.watch_time_ms });
        }
      }),
    );
    diffs = diffTitles(expected, found);
    if (diffs.length === 0 || performance.now() - t0 > timeoutMs) break;
    await sleep(1000);
  }
  return {
    ok: diffs.length === 0,
    via: "query-api",
    ids: [],
    unconfirmedStored: 0,
    titlesChecked: expected.size,
    titleDiffs: diffs,
    waitedMs: Math.round(performance.now() - t0),
    notes: ["event ids not compared: that needs --clickhouse-url and --database"],
  };
}
