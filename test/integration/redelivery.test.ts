/**
 * Redelivery: every message of the scenario is consumed a second time (the durable consumers
 * are deleted and provisioned again, so JetStream delivers the whole stream from the start,
 * as it would after lost acks). ClickHouse then holds every row twice, and every answer of
 * the query API stays the same.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { ident, sql } from "../../src/store/index.ts";
import { startPipeline, waitFor, type Pipeline } from "../helpers/index.ts";
import { openJetStream, type JetStreamProbe } from "../helpers/jetstream.ts";
import { acceptedIds, buildScenario, EXPERIMENT, sendScenario, waitUntilStored } from "../helpers/scenario.ts";

const HOUR = 3_600_000;
const HALF_LIFE_HOURS = 1;
const t0 = Math.floor((Date.now() - 3 * HOUR) / 1000) * 1000;
const range = `from=${encodeURIComponent(new Date(t0).toISOString())}&to=${encodeURIComponent(new Date(t0 + 2 * HOUR).toISOString())}`;
const TABLES = ["events", "rec_events", "catalog"] as const;
type Table = (typeof TABLES)[number];

/** Answers that do not depend on the moment they are asked. */
const FIXED_PATHS = [
  ...["m1", "m2", "m3", "m4", "m5", "m6", "never-played"].map((v) => `/v1/videos/${v}/stats?${range}`),
  `/v1/videos/top?by=views&${range}`,
  `/v1/videos/top?by=watch_time&${range}`,
  `/v1/experiments/${EXPERIMENT}?${range}`,
];
const USERS = ["u1", "u2", "u3", "u4", "newcomer"];

interface Trending {
  as_of: string;
  items: { video_id: string; plays: number; score: number; title: string | null }[];
}
interface Recommendations {
  items: { video_id: string; reason: string; score: number }[];
}
interface Answers {
  fixed: Map<string, unknown>;
  trending: Trending;
  recommendations: Map<string, { body: Recommendations; before: number; after: number }>;
}

async function answers(p: Pipeline): Promise<Answers> {
  const fixed = new Map<string, unknown>();
  for (const path of FIXED_PATHS) {
    const r = await p.get(path);
    expect(r.status, path).toBe(200);
    fixed.set(path, r.body);
  }
  const trending = await p.get("/v1/trending");
  expect(trending.status).toBe(200);
  const recommendations = new Map<string, { body: Recommendations; before: number; after: number }>();
  for (const user of USERS) {
    const before = Date.now();
    const r = await p.get(`/v1/users/${user}/recommendations`);
    expect(r.status).toBe(200);
    recommendations.set(user, { body: r.body as Recommendations, before, after: Date.now() });
  }
  return { fixed, trending: trending.body as Trending, recommendations };
}

/** 2^(-Δ / half-life): how much every decayed score shrinks in Δ ms. */
const decay = (deltaMs: number) => 2 ** (-deltaMs / (HALF_LIFE_HOURS * HOUR));

describe("redelivery", () => {
  let p: Pipeline | undefined;
  let js: JetStreamProbe;

  beforeAll(async () => {
    js = await openJetStream(inject("natsUrl"));
  });
  afterAll(async () => {
    await p?.stop();
    await js?.close();
  });

  it("consuming every message twice leaves every answer unchanged", async () => {
    const natsUrl = inject("natsUrl");
    const clickhouseUrl = inject("clickhouseUrl");
    const env = { PLAYPULSE_TRENDING_HALF_LIFE_HOURS: String(HALF_LIFE_HOURS) };
    const first = await startPipeline({ natsUrl, clickhouseUrl, env });
    p = first;
    const db = first.store.db;
    // No background merge may fold the second copies away while the answers are compared.
    for (const table of TABLES) await first.store.command(sql`SYSTEM STOP MERGES ${db}.${ident(table)}`);
    const counts = async (q: Pipeline): Promise<Record<Table, number>> => {
      const rows = await Promise.all(
        TABLES.map((t) => q.store.select<{ n: string }>(sql`SELECT count() AS n FROM ${db}.${ident(t)}`)),
      );
      return { events: Number(rows[0]?.[0]?.n), rec_events: Number(rows[1]?.[0]?.n), catalog: Number(rows[2]?.[0]?.n) };
    };

    const sent = await sendScenario(first, buildScenario(t0));
    expect(sent.map((s) => s.status)).toEqual(sent.map(() => 202));
    const ids = acceptedIds(sent);
    await waitUntilStored(first, js, ids);
    const once = await counts(first);
    expect(once).toEqual({ events: ids.play.length, rec_events: ids.play.length, catalog: ids.catalog.length });
    const before = await answers(first);

    await first.stop();
    await js.deleteConsumers(first.config.stream.name);
    const second = await startPipeline({ natsUrl, clickhouseUrl, env, ns: first.ns });
    p = second;
    const twice = { events: 2 * once.events, rec_events: 2 * once.rec_events, catalog: 2 * once.catalog };
    await waitFor(
      async () =>
        (await js.drained(second.config.stream.name)) && JSON.stringify(await counts(second)) === JSON.stringify(twice),
      {
        timeoutMs: 45_000,
        intervalMs: 200,
        what: `every row stored twice (${JSON.stringify(twice)})`,
      },
    );
    const after = await answers(second);
    // Merges are stopped, so the answers above were computed over every row twice.
    expect(await counts(second)).toEqual(twice);

    for (const path of FIXED_PATHS) expect(after.fixed.get(path), path).toEqual(before.fixed.get(path));

    const elapsed = Date.parse(after.trending.as_of) - Date.parse(before.trending.as_of);
    expect(after.trending.items.map(({ score: _, ...rest }) => rest)).toEqual(
      before.trending.items.map(({ score: _, ...rest }) => rest),
    );
    after.trending.items.forEach((item, i) =>
      expect(item.score).toBeCloseTo((before.trending.items[i]?.score ?? NaN) * decay(elapsed), 9),
    );

    for (const user of USERS) {
      const was = before.recommendations.get(user);
      const now = after.recommendations.get(user);
      if (!was || !now) throw new Error(`no recommendations for ${user}`);
      expect(now.body.items.length, user).toBeGreaterThan(0);
      const unscored = (r: Recommendations) => r.items.map((i) => (i.reason === "trending" ? { ...i, score: 0 } : i));
      expect(unscored(now.body), user).toEqual(unscored(was.body));
      // A trending score decays between the two requests, by an amount bounded by their timing.
      now.body.items.forEach((item, i) => {
        if (item.reason !== "trending") return;
        const old = was.body.items[i]?.score ?? NaN;
        expect(item.score).toBeLessThanOrEqual(old * decay(now.before - was.after) + 1e-12);
        expect(item.score).toBeGreaterThanOrEqual(old * decay(now.after - was.before) - 1e-12);
      });
    }
  }, 150_000);
});
