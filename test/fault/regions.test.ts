import { describe, expect, it } from "vitest";
import type { LagReport } from "../../src/query/index.ts";
import {
  expectedAggregates,
  holdFor,
  report,
  seconds,
  startClickHouse,
  startRegionDeployment,
  waitFor,
  type Pipeline,
} from "../helpers/index.ts";
import { startLoad, type LoadEvent } from "../../src/load/index.ts";
import { playGenerator } from "../helpers/index.ts";

const usLag = async (analytics: Pipeline) =>
  ((await analytics.get("/v1/lag")).body as LagReport).regions?.find((r) => r.region === "us");

/**
 * docs/regions.md, "Cutting a link": two regions and the analytics region on three nats-servers;
 * region us's leaf connection is cut for 25 s under load on both edges, then healed.
 */
describe("fault: a region's link to the analytics region is cut", () => {
  it("keeps answering 202 in the cut region; after healing every accepted event is counted once", async () => {
    await using clickhouse = await startClickHouse();
    await using d = await startRegionDeployment({ clickhouseUrl: clickhouse.url, regions: ["eu", "us"] });
    const { ns, topology, analytics } = d;
    const eu = d.edges["eu"] as Pipeline;
    const us = d.edges["us"] as Pipeline;
    const gens = { eu: playGenerator(`${ns}eu`, { videos: 4 }), us: playGenerator(`${ns}us`, { videos: 4 }) };
    const load = {
      eu: startLoad({ url: eu.baseUrl, writeKey: eu.writeKey, nextBatch: () => gens.eu.batch(20), concurrency: 1 }),
      us: startLoad({ url: us.baseUrl, writeKey: us.writeKey, nextBatch: () => gens.us.batch(20), concurrency: 1 }),
    };
    await Promise.all([load.eu.confirmedAtLeast(300, 60_000), load.us.confirmedAtLeast(300, 60_000)]);

    // Cut: region us keeps storing in its own JetStream; the analytics region stops hearing from it.
    const usStream = `PP_${ns}_US`;
    await topology.region("us").link.cut();
    const atCut = await d.streamMessages(topology.region("us").nats, usStream);
    const cutAt = Date.now(); // after reading atCut: whatever is sent from now on is stored after it
    // A player retrying across regions during the cut: the same events accepted by both edges.
    const cross = playGenerator(`${ns}x`, { videos: 1 }).batch(16);
    for (const edge of [us, eu]) {
      const r = await edge.send(cross);
      expect({ status: r.status, body: r.body }).toMatchObject({ status: 202, body: { accepted: cross.length } });
    }
    await holdFor(25_000);
    const silent = await usLag(analytics);
    const usDuringCut = load.us.responses.filter((r) => r.sentAt >= cutAt);
    const grewBy = (await d.streamMessages(topology.region("us").nats, usStream)) - atCut;
    const measuredAt = Date.now();
    // The link is really cut: the aggregate holds no more of us than us held at the cut (it is
    // read first; eu, read after, can only have grown), although us stored grewBy more since.
    const aggregateInCut = await d.streamMessages(topology.analytics, `PP_${ns}`);
    const euInCut = await d.streamMessages(topology.region("eu").nats, `PP_${ns}_EU`);

    await topology.region("us").link.heal();
    const healAt = Date.now();
    await topology.linked();
    const [euStats, usStats] = await Promise.all([load.eu.stop(), load.us.stop()]);
    const usTotal = await d.streamMessages(topology.region("us").nats, usStream);
    const euTotal = await d.streamMessages(topology.region("eu").nats, `PP_${ns}_EU`);
    // Caught up: the aggregate holds every message of both regional streams (copies across regions included).
    await waitFor(async () => (await d.streamMessages(topology.analytics, `PP_${ns}`)) === euTotal + usTotal, {
      timeoutMs: 60_000,
      intervalMs: 50,
      what: "the aggregate caught up with both regions",
    });
    const caughtUpAt = Date.now();

    // During the cut: the cut region's edge answered every request 202 and its stream kept growing.
    expect(usDuringCut.length).toBeGreaterThan(10);
    expect(usDuringCut.filter((r) => r.status !== 202)).toEqual([]);
    expect(grewBy).toBeGreaterThanOrEqual(usDuringCut.filter((r) => r.answeredAt <= measuredAt).length * 20);
    expect(aggregateInCut).toBeLessThanOrEqual(euInCut + atCut);
    // GET /v1/lag lists region us during the cut, and shows it: nothing heard from it since the cut.
    expect(silent?.stream).toBe(usStream);
    expect(silent?.last_active_seconds_ago).toBeGreaterThanOrEqual(20);
    for (const s of [euStats, usStats]) {
      expect({ rejected: s.rejected, abandoned: s.abandoned, non202: Object.keys(s.byStatus) }).toEqual({
        rejected: [],
        abandoned: 0,
        non202: ["202"],
      });
    }

    // After healing: every accepted event once in ClickHouse, with the region that accepted it.
    const confirmed = new Map<string, LoadEvent>([...load.eu.confirmed, ...load.us.confirmed]);
    for (const e of cross) confirmed.set(e.id, e);
    const regionOf = new Map<string, string>([
      ...[...load.eu.confirmed.keys()].map((id) => [id, "eu"] as const),
      ...[...load.us.confirmed.keys()].map((id) => [id, "us"] as const),
      ...cross.map((e) => [e.id, "eu,us"] as const),
    ]);
    const rows = await waitFor(
      async () => {
        const r = await d.rowRegions();
        return r.size === confirmed.size ? r : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 500, what: "every accepted event in ClickHouse" },
    );
    // A retried event has a row per accepting region until ClickHouse merges them (same sorting key): one or both.
    const fits = (id: string, region: string) =>
      region === "eu,us"
        ? ["eu", "us", "eu,us"].includes(rows.get(id)?.join(",") ?? "")
        : rows.get(id)?.join(",") === region;
    const wrong = [...regionOf].filter(([id, region]) => !fits(id, region));
    expect({ stored: rows.size, wrongOrMissing: wrong.slice(0, 5) }).toEqual({
      stored: confirmed.size,
      wrongOrMissing: [],
    });

    // The stats equal the ground truth computed from the accepted events alone.
    const from = Date.now() - 2 * 24 * 3600_000;
    const to = Date.now() + 3600_000;
    const truth = expectedAggregates(confirmed.values());
    const actual: Record<string, unknown> = {};
    for (const video of truth.keys()) {
      const s = (await analytics.get(`/v1/videos/${video}/stats?from=${from}&to=${to}`)).body as Record<
        string,
        unknown
      >;
      actual[video] = {
        views: s["views"],
        plays: s["plays"],
        completions: s["completions"],
        unique_viewers: s["unique_viewers"],
        watch_time_ms: s["watch_time_ms"],
        rebuffer_ratio: s["rebuffer_ratio"],
      };
    }
    expect(actual).toEqual(Object.fromEntries(truth));

    const backlog = usTotal - atCut;
    report("region-link-cut", {
      cutSeconds: seconds(healAt - cutAt),
      usEventsStoredDuringCut: grewBy,
      catchUpSeconds: seconds(caughtUpAt - healAt),
      catchUpPerSecond: Math.round(backlog / Math.max(0.001, (caughtUpAt - healAt) / 1000)),
      usLastActiveSecondsAgoInCut: silent?.last_active_seconds_ago ?? null,
      accepted: confirmed.size,
    });
  });
});
