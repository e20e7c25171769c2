/**
 * `playpulse replay`: rebuilding ClickHouse from the JetStream stream. The scripted scenario of
 * test/helpers/scenario.ts is stored by the live pipeline; then every aggregate answer of the
 * query API (with a fixed clock, so trending scores can be compared exactly) must be identical
 * after a replay over live data, after dropping every table and replaying, and a partial replay
 * must restore exactly the events of its range.
 */
import type { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { replayCommand } from "../../src/cli/replay.ts";
import { CONSUMERS } from "../../src/consumers/registry.ts";
import { createDefinitions, createExperimentRoutes } from "../../src/experiments/index.ts";
import { createQueryRoutes } from "../../src/query/index.ts";
import type { ReplayReport } from "../../src/replay/index.ts";
import { sql } from "../../src/store/index.ts";
import { startPipeline, type Pipeline } from "../helpers/index.ts";
import { openJetStream, type JetStreamProbe, type StoredMessage } from "../helpers/jetstream.ts";
import { acceptedIds, buildScenario, EXPERIMENT, sendScenario, waitUntilStored } from "../helpers/scenario.ts";

const HOUR = 3_600_000;
const NOW = Date.now();
const t0 = Math.floor((NOW - 3 * HOUR) / 1000) * 1000;
const range = `from=${encodeURIComponent(new Date(t0 - HOUR).toISOString())}&to=${encodeURIComponent(new Date(t0 + 4 * HOUR).toISOString())}`;

/** Every aggregate answer of the query API. `/v1/events/:id` (physical rows, store times) and `/v1/lag` are diagnostics, not aggregates. */
const PATHS = [
  `/v1/videos/top?by=views&limit=100&${range}`,
  `/v1/videos/top?by=watch_time&limit=100&${range}`,
  ...["m1", "m2", "m3", "m4", "m5", "m6"].map((v) => `/v1/videos/${v}/stats?${range}`),
  "/v1/trending?limit=100",
  ...["u1", "u2", "u3", "u4"].map((u) => `/v1/users/${u}/recommendations?limit=100`),
  `/v1/experiments/${EXPERIMENT}?${range}`,
];

let p: Pipeline;
let js: JetStreamProbe;
let api: Hono;
let stored: StoredMessage[];
let before: Record<string, unknown>;

async function answers(): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const path of PATHS) {
    const res = await api.request(path, { headers: { authorization: `Bearer ${p.readKey}` } });
    out[path] = { status: res.status, body: await res.json() };
  }
  return out;
}

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await replayCommand(args, { env: p.env, out: (s) => out.push(s), err: (s) => err.push(s), tty: false });
  return { code, out: out.join(""), err: err.join("") };
}

const matching = (prefix: string) => stored.filter((m) => m.subject.startsWith(`${p.ns}.${prefix}`));

async function distinctIds(table: string, column = "id"): Promise<string[]> {
  const rows = await p.store.select<{ id: string }>(
    sql`SELECT DISTINCT ${{ ident: column }} AS id FROM ${{ ident: `${p.store.db.ident}.${table}` }} ORDER BY id`,
  );
  return rows.map((r) => r.id);
}

beforeAll(async () => {
  p = await startPipeline({ natsUrl: inject("natsUrl"), clickhouseUrl: inject("clickhouseUrl") });
  js = await openJetStream(inject("natsUrl"));
  api = createQueryRoutes({
    store: p.store,
    keys: p.config.keys,
    trendingHalfLifeHours: 1,
    consumers: CONSUMERS,
    now: () => NOW,
  });
  // The experiment verdict lives in its own routes (src/experiments), mounted beside the query API as the query role does.
  api.route(
    "/",
    createExperimentRoutes({
      store: p.store,
      keys: p.config.keys,
      definitions: createDefinitions(p.store, []),
      now: () => NOW,
    }),
  );
  api.onError((err, c) => c.json({ error: err.message }, 500));
  const sent = await sendScenario(p, buildScenario(t0));
  await waitUntilStored(p, js, acceptedIds(sent));
  stored = await js.messages(p.config.stream.name);
  before = await answers();
}, 90_000);

afterAll(async () => {
  await js.close();
  await p.stop();
});

describe("playpulse replay", () => {
  it("has answers worth comparing", () => {
    expect(Object.values(before).map((a) => (a as { status: number }).status)).toEqual(PATHS.map(() => 200));
    expect((before[PATHS[0] ?? ""] as { body: { items: unknown[] } }).body.items).toHaveLength(6);
  });

  it("over live data rewrites every row and changes no answer", async () => {
    const startedAt = Date.now();
    const r = await run(["--from", "1", "--json"]);
    expect([r.code, r.err.match(/^replay \w+: .*100\.0%.*$/gm)?.length]).toEqual([0, 3]);
    const expected = (consumer: string, prefix: string) => {
      const m = matching(prefix);
      return {
        consumer,
        messages: m.length,
        rows: m.length,
        skipped: {},
        firstSeq: m[0]?.seq,
        lastSeq: m.at(-1)?.seq,
        elapsedMs: "number",
      };
    };
    const reports = (JSON.parse(r.out) as ReplayReport[]).map((x) => ({ ...x, elapsedMs: typeof x.elapsedMs }));
    expect(reports).toEqual([
      expected("analytics", "user."),
      expected("recommendations", "user.video."),
      expected("content", "video."),
    ]);
    // Every event id now has a row written by the replay (a merge keeps the newest copy, so this holds after merges too).
    const rewritten = await p.store.select<{ n: string }>(
      sql`SELECT uniqExactIf(id, stored_ms >= ${{ type: "UInt64", value: startedAt }}) AS n FROM ${p.store.db}.events`,
    );
    expect(rewritten).toEqual([{ n: String(new Set(matching("user.").map((m) => m.msgId)).size) }]);
    expect(await answers()).toEqual(before);
  });

  it("after every table is dropped, creates them and restores identical answers", async () => {
    for (const t of ["events", "rec_events", "catalog"])
      await p.store.command(sql`DROP TABLE ${{ ident: `${p.store.db.ident}.${t}` }}`);
    const broken = await api.request(PATHS[0] ?? "", { headers: { authorization: `Bearer ${p.readKey}` } });
    expect([broken.status, ((await broken.json()) as { error: string }).error]).toEqual([
      500,
      expect.stringContaining(`Table ${p.store.db.ident}.events doesn't exist`),
    ]);

    const r = await run(["--from", "1"]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(
      new RegExp(
        `^analytics: ${matching("user.").length} messages \\(sequence \\d+ to \\d+\\), ${matching("user.").length} rows written in \\d+s$`,
        "m",
      ),
    );
    expect(await answers()).toEqual(before);
  });

  it("--from and --to by sequence and by time restore exactly the analytics events of the range", async () => {
    const plays = matching("user.");
    const from = plays[10];
    const to = plays[20];
    if (!from || !to) throw new Error("the scenario has fewer than 21 play events");
    const expected = [
      ...new Set(plays.filter((m) => m.seq >= from.seq && m.seq <= to.seq).map((m) => m.msgId ?? "")),
    ].sort();

    await p.store.command(sql`DROP TABLE ${p.store.db}.events`);
    const bySeq = await run(["--from", String(from.seq), "--to", String(to.seq), "--consumer", "analytics", "--json"]);
    expect(bySeq.code).toBe(0);
    expect(JSON.parse(bySeq.out)).toMatchObject([
      { consumer: "analytics", messages: 11, rows: 11, firstSeq: from.seq, lastSeq: to.seq },
    ]);
    expect(await distinctIds("events")).toEqual(expected);

    const fromTime =
      (await js.jsm.streams.getMessage(p.config.stream.name, { seq: from.seq }))?.time.toISOString() ?? "";
    await p.store.command(sql`DROP TABLE ${p.store.db}.events`);
    const byTime = await run(["--from", fromTime, "--to", String(to.seq), "--consumer", "analytics", "--json"]);
    expect(byTime.code).toBe(0);
    // Messages stored in the same millisecond as `from` come along too: the time is the stream's, not unique.
    const firstSeq = (JSON.parse(byTime.out) as [{ firstSeq: number }])[0].firstSeq;
    expect(firstSeq).toBeLessThanOrEqual(from.seq);
    const expectedByTime = [
      ...new Set(plays.filter((m) => m.seq >= firstSeq && m.seq <= to.seq).map((m) => m.msgId ?? "")),
    ].sort();
    expect(await distinctIds("events")).toEqual(expectedByTime);

    const toTime = (await js.jsm.streams.getMessage(p.config.stream.name, { seq: to.seq }))?.time.toISOString() ?? "";
    await p.store.command(sql`DROP TABLE ${p.store.db}.events`);
    const untilTime = await run(["--from", String(from.seq), "--to", toTime, "--consumer", "analytics", "--json"]);
    expect(untilTime.code).toBe(0);
    // Messages stored in the same millisecond as `to` come along too.
    const lastSeq = (JSON.parse(untilTime.out) as [{ lastSeq: number }])[0].lastSeq;
    expect(lastSeq).toBeGreaterThanOrEqual(to.seq);
    const expectedUntil = [
      ...new Set(plays.filter((m) => m.seq >= from.seq && m.seq <= lastSeq).map((m) => m.msgId ?? "")),
    ].sort();
    expect(await distinctIds("events")).toEqual(expectedUntil);
    for (const m of plays.filter((x) => x.seq > lastSeq).slice(0, 1)) {
      expect((await js.jsm.streams.getMessage(p.config.stream.name, { seq: m.seq }))?.time.getTime()).toBeGreaterThan(
        Date.parse(toTime),
      );
    }

    // Put the table back for good measure: a full replay restores every answer.
    expect((await run(["--from", "1", "--consumer", "analytics"])).code).toBe(0);
    expect(await answers()).toEqual(before);
  });

  it.each([
    [[], "--from is required: a stream sequence (1 = everything) or an ISO 8601 time"],
    [
      ["--from", "soon"],
      `--from: must be a stream sequence (e.g. 1) or an ISO 8601 time (e.g. 2026-01-02T03:04:05Z), got "soon"`,
    ],
    [
      ["--from", "1", "--consumer", "billing"],
      `--consumer: must be one of analytics, recommendations, content, got "billing"`,
    ],
  ])("exits 2 on usage error %j", async (args, message) => {
    const r = await run(args);
    expect([r.code, r.out, r.err.split("\n")[0]]).toEqual([2, "", `playpulse replay: ${message}`]);
  });
});
