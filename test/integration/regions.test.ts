import { jetstreamManager, type StreamSource } from "@nats-io/jetstream";
import { connect, headers } from "@nats-io/transport-node";
import { describe, expect, inject, it } from "vitest";
import type { EventLocation, LagReport } from "../../src/query/index.ts";
import {
  expectedAggregates,
  startRegionDeployment,
  startRegionTopology,
  waitFor,
  type Pipeline,
} from "../helpers/index.ts";
import type { LoadEvent } from "../../src/load/index.ts";
import { sql } from "../../src/store/index.ts";
import { playGenerator } from "../helpers/index.ts";

async function sendAll(edge: Pipeline, events: LoadEvent[], headers: Record<string, string> = {}): Promise<void> {
  const r = await edge.send(events, { headers });
  expect(r.status).toBe(202);
  expect(r.body).toMatchObject({ accepted: events.length, duplicates: 0, rejected: 0 });
}

const views = (events: LoadEvent[]) => [...expectedAggregates(events).values()].reduce((a, v) => a + v.views, 0);

/**
 * Regions (docs/regions.md) on three real nats-servers: two regions with their edges, and the
 * analytics region whose stream sources both over leaf connections. The link-cut variant is
 * test/fault/regions.test.ts.
 */
describe("regions: an edge per region, the analytics region sources every regional stream", () => {
  it("counts each region's events once with their region, and a cross-region retry once", async () => {
    await using d = await startRegionDeployment({
      clickhouseUrl: inject("clickhouseUrl"),
      regions: ["eu", "us"],
      env: { PLAYPULSE_QUARANTINE: "true" },
    });
    const { ns, topology, analytics } = d;
    const eu = d.edges["eu"] as Pipeline;
    const us = d.edges["us"] as Pipeline;
    const euEvents = playGenerator(`${ns}eu`, { videos: 3 }).batch(60);
    const usEvents = playGenerator(`${ns}us`, { videos: 3 }).batch(45);
    // A player retrying in the other region: both edges accept the same ids (neither regional
    // stream saw them), and both copies reach the aggregate (its window is 100 ms, docs/regions.md).
    const cross = playGenerator(`${ns}x`, { videos: 1 }).batch(12);
    // A client claiming another region is not believed: only the edge sets the region header.
    await sendAll(eu, euEvents, { "Playpulse-Region": "us" });
    await sendAll(us, usEvents);
    await sendAll(eu, cross);
    await sendAll(us, cross);

    // Each regional stream holds its own region's events only (the leaf deny lists).
    expect(await d.streamMessages(topology.region("eu").nats, `PP_${ns}_EU`)).toBe(euEvents.length + cross.length);
    expect(await d.streamMessages(topology.region("us").nats, `PP_${ns}_US`)).toBe(usEvents.length + cross.length);

    const lag = await waitFor(
      async () => {
        const body = (await analytics.get("/v1/lag")).body as LagReport;
        const sourced = body.regions?.length === 2 && body.regions.every((r) => r.lag_messages === 0);
        return sourced && body.consumers.every((c) => c.pending_messages === 0) ? body : undefined;
      },
      { timeoutMs: 30_000, what: "both regions sourced and every consumer caught up" },
    );
    expect(
      lag.regions?.map(({ region, stream, lag_messages, error }) => ({ region, stream, lag_messages, error })),
    ).toEqual([
      { region: "eu", stream: `PP_${ns}_EU`, lag_messages: 0, error: null },
      { region: "us", stream: `PP_${ns}_US`, lag_messages: 0, error: null },
    ]);
    // Both copies of each retried event reach the aggregate, the second maybe on the source's next
    // try (a copy meeting the first within the aggregate's 100 ms window is refused once, and
    // lag_messages can read 0 meanwhile): wait for the count, then hold it to exactly that.
    const all = euEvents.length + usEvents.length + 2 * cross.length;
    const aggregate = await waitFor(
      async () => {
        const n = await d.streamMessages(topology.analytics, `PP_${ns}`);
        return n >= all ? n : undefined;
      },
      { timeoutMs: 30_000, what: `${all} messages in the aggregate` },
    );
    expect(aggregate).toBe(all);

    // Every play event in `events` once per region that accepted it: the retried ones in both.
    const expected = new Map<string, readonly string[]>([
      ...euEvents.map((e) => [e.id, ["eu"]] as const),
      ...usEvents.map((e) => [e.id, ["us"]] as const),
      ...cross.map((e) => [e.id, ["eu", "us"]] as const),
      // (until ClickHouse merges a retried event's rows, which share the sorting key, into one)
    ]);
    const stored = await waitFor(
      async () => {
        const rows = await d.rowRegions();
        return rows.size === expected.size ? rows : undefined;
      },
      { timeoutMs: 30_000, what: "every play event in ClickHouse" },
    );
    const merged = (id: string) =>
      cross.some((e) => e.id === id) && ["eu", "us"].includes(stored.get(id)?.join() ?? "");
    const differ = [...expected].filter(([id, r]) => stored.get(id)?.join() !== r.join() && !merged(id));
    expect(differ).toEqual([]);

    // The figures count the retried events once and equal the ground truth.
    const from = Date.now() - 2 * 24 * 3600_000;
    const to = Date.now() + 3600_000;
    const truth = expectedAggregates([...euEvents, ...usEvents, ...cross]);
    for (const [video, t] of truth) {
      const s = (await analytics.get(`/v1/videos/${video}/stats?from=${from}&to=${to}`)).body as Record<
        string,
        unknown
      >;
      expect({
        video,
        views: s["views"],
        plays: s["plays"],
        completions: s["completions"],
        watch: s["watch_time_ms"],
      }).toEqual({ video, views: t.views, plays: t.plays, completions: t.completions, watch: t.watch_time_ms });
    }
    // Region is a breakdown dimension. A view has one value, the largest its events carry: a view
    // retried in both regions counts once, under "us" while ClickHouse keeps both copies of its
    // events and under the region of the copies a merge kept afterwards (docs/regions.md), so
    // the retried views are in one row or the other, never in both and never missing.
    const breakdown = (await analytics.get(`/v1/breakdown?dimension=region&from=${from}&to=${to}`)).body as {
      total: { views: number };
      rows: { value: string | null; views: number }[];
    };
    const byRegion = new Map(breakdown.rows.map((r) => [r.value, r.views]));
    const retriedUnderEu = (byRegion.get("eu") ?? 0) - views(euEvents);
    expect({
      total: breakdown.total.views,
      regions: [...byRegion.keys()].sort(),
      sum: (byRegion.get("eu") ?? 0) + (byRegion.get("us") ?? 0),
      retriedUnderEuInRange: retriedUnderEu >= 0 && retriedUnderEu <= views(cross),
    }).toEqual({
      total: views([...euEvents, ...usEvents, ...cross]),
      regions: ["eu", "us"],
      sum: views([...euEvents, ...usEvents, ...cross]),
      retriedUnderEuInRange: true,
    });

    // GET /v1/events/:id names the region that accepted the event; for a retried one, the first.
    const at = async (id: string) =>
      ((await analytics.get(`/v1/events/${id}`)).body as EventLocation).accepted_in_region;
    expect([await at(euEvents[0]?.id ?? ""), await at(usEvents[0]?.id ?? ""), await at(cross[0]?.id ?? "")]).toEqual([
      "eu",
      "us",
      "eu",
    ]);

    // Input an edge rejected is quarantined in its own region, and the analytics region, whose
    // quarantine stream sources every region's, stores it: a rejection in any region is visible.
    const teleported = (region: string) => ({
      ...euEvents[0],
      id: `${ns}-bad-${region}`,
      type: "user.video.teleported",
    });
    for (const [edge, region] of [
      [eu, "eu"],
      [us, "us"],
    ] as const) {
      const r = await edge.send([teleported(region)]);
      expect({ status: r.status, body: r.body }).toEqual({
        status: 400,
        body: {
          accepted: 0,
          duplicates: 0,
          rejected: 1,
          results: [
            {
              index: 0,
              id: `${ns}-bad-${region}`,
              status: "rejected",
              error: 'type: unknown event type "user.video.teleported"',
            },
          ],
        },
      });
    }
    const quarantined = await waitFor(
      async () => {
        const rows = await analytics.store.select<{ event_id: string; event_type: string }>(
          sql`SELECT event_id, event_type FROM ${analytics.store.db}.quarantine ORDER BY event_id`,
        );
        return rows.length >= 2 ? rows : undefined;
      },
      { timeoutMs: 30_000, what: "both regions' rejections in the analytics region's quarantine table" },
    );
    expect(quarantined).toEqual([
      { event_id: `${ns}-bad-eu`, event_type: "user.video.teleported" },
      { event_id: `${ns}-bad-us`, event_type: "user.video.teleported" },
    ]);

    // Events that come in through CloudEvents carry the accepting region too (every ingest route).
    const ce = {
      specversion: "1.0",
      id: `${ns}-ce`,
      source: "/players/web",
      type: "user.video.paused",
      time: new Date(Date.now() - 60_000).toISOString(),
      data: { user_id: `${ns}-ce-user`, view_id: `${ns}-ce-view`, video_id: `${ns}-ce-video`, position_ms: 0 },
    };
    const sent = await fetch(`${eu.baseUrl}/v1/events`, {
      method: "POST",
      headers: { authorization: `Bearer ${eu.writeKey}`, "content-type": "application/cloudevents+json" },
      body: JSON.stringify(ce),
    });
    expect(sent.status).toBe(202);
    const ceRegions = await waitFor(async () => (await d.rowRegions()).get(ce.id), {
      timeoutMs: 30_000,
      what: "the CloudEvent in ClickHouse",
    });
    expect(ceRegions).toEqual(["eu"]);
  });

  it("on nats-server 2.9.10 a sourced duplicate inside the aggregate's window stalls its source (why the window is 100 ms)", async () => {
    await using topo = await startRegionTopology(["eu", "us"], "stall");
    const nc = (url: string) => connect({ servers: url });
    const [euNc, usNc, hubNc] = await Promise.all([
      nc(topo.region("eu").nats.url),
      nc(topo.region("us").nats.url),
      nc(topo.analytics.url),
    ]);
    try {
      for (const [c, name] of [
        [euNc, "S_EU"],
        [usNc, "S_US"],
      ] as const) {
        await (await jetstreamManager(c)).streams.add({ name, subjects: ["stall.user.>"] });
      }
      const sources: StreamSource[] = ["eu", "us"].map((r) => ({
        name: `S_${r.toUpperCase()}`,
        external: { api: `$JS.${r}.API`, deliver: "" },
      }));
      const hub = await jetstreamManager(hubNc);
      await hub.streams.add({ name: "S", sources, duplicate_window: 600 * 1e9 });
      const publish = async (c: typeof euNc, id: string) => {
        const h = headers();
        h.set("Nats-Msg-Id", id);
        await c.request("stall.user.video.played", "{}", { headers: h, timeout: 5000 });
      };
      const count = () => hub.streams.info("S").then((i) => i.state.messages);
      await publish(usNc, "before");
      await publish(euNc, "same");
      await waitFor(async () => (await count()) === 2, { timeoutMs: 10_000, what: "both copies in the aggregate" });
      await publish(usNc, "same");
      await publish(usNc, "after");
      // us's "after" never arrives: the source is recreated at the duplicate, again and again.
      await expect(
        waitFor(async () => (await count()) === 3, { timeoutMs: 6000, what: "us's next message in the aggregate" }),
      ).rejects.toThrow(/timed out/);
      expect(await count()).toBe(2);
    } finally {
      await Promise.all([euNc.close(), usNc.close(), hubNc.close()]);
    }
  });
});
