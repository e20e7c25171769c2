/**
 * The Segment HTTP Tracking API on the edge, driven by the real @segment/analytics-node SDK (`host`
 * set to the edge): scripted Video Spec sessions become views whose stats equal the sessions' truth,
 * and a batch the SDK itself retries after a real 503 is stored once.
 */
import { Analytics } from "@segment/analytics-node";
import { describe, expect, inject, it } from "vitest";
import { sql } from "../../src/store/index.ts";
import { startNats, startPipeline, waitFor, type Pipeline } from "../helpers/index.ts";
import { openJetStream } from "../helpers/jetstream.ts";
import { scriptedSession, standardSteps, type SpecEvent } from "./segment-session.ts";

const HOUR = 3600_000;

function sdk(p: Pipeline, opts: { flushAt?: number; maxRetries?: number } = {}) {
  const statuses: number[] = [];
  const analytics = new Analytics({
    writeKey: p.writeKey,
    host: p.baseUrl,
    flushAt: opts.flushAt ?? 15,
    flushInterval: 200,
    maxRetries: opts.maxRetries ?? 3,
  });
  analytics.on("http_response", (r) => statuses.push(r.status));
  return { analytics, statuses };
}

const track = (a: Analytics, userId: string, e: SpecEvent) =>
  a.track({ userId, event: e.event, properties: e.properties, timestamp: e.timestamp });

async function stats(p: Pipeline, video: string, from: Date) {
  const range = `from=${from.getTime() - HOUR}&to=${from.getTime() + HOUR}`;
  const r = await p.get(`/v1/videos/${video}/stats?${range}`);
  return r.body as Record<string, number | null>;
}

describe("Segment API with the real @segment/analytics-node", () => {
  it("scripted Video Spec sessions: views, plays, completions exact; startup and watch time within the derivation's error", async () => {
    await using p = await startPipeline({ natsUrl: inject("natsUrl"), clickhouseUrl: inject("clickhouseUrl") });
    const start = new Date(Date.now() - 30 * 60_000);
    const video = `vid_seg_${p.ns}`;
    const base = { assetId: video, totalLength: 150 };
    const sessions = [
      scriptedSession({ ...base, sessionId: `${p.ns}-a`, start, startupMs: 800, steps: standardSteps() }),
      scriptedSession({
        ...base,
        sessionId: `${p.ns}-b`,
        start: new Date(start.getTime() + 60_000),
        startupMs: 1200,
        steps: [{ play: 12.7 }, { pause: 3000 }, { play: 20.4 }, { seek: 100, ms: 250 }, { play: 9.9 }, { exit: true }],
        rounding: "floor",
      }),
      scriptedSession({
        ...base,
        sessionId: `${p.ns}-c`,
        start: new Date(start.getTime() + 120_000),
        startupMs: 450,
        steps: [{ play: 40 }, { buffer: 2500 }, { play: 110 }, { complete: true }],
      }),
    ];
    const { analytics, statuses } = sdk(p);
    sessions.forEach((s, i) => s.events.forEach((e) => track(analytics, `u${i}`, e)));
    const sent = sessions.reduce((n, s) => n + s.events.length, 0);
    await analytics.closeAndFlush({ timeout: 20_000 });
    expect(statuses.length).toBeGreaterThan(1);
    expect(statuses.every((s) => s === 200)).toBe(true);

    const truthWatch = sessions.reduce((n, s) => n + s.truth.played_ms, 0);
    const got = await waitFor(
      async () => {
        const s = await stats(p, video, start);
        return s.views === 3 && s.completions === 2 && (s.watch_time_ms ?? 0) >= truthWatch - 1000 ? s : undefined;
      },
      { timeoutMs: 30_000, what: "the three sessions in the stats" },
    );
    const rows = await p.store.select<{ n: string; ids: string }>(
      sql`SELECT count() AS n, uniqExact(id) AS ids FROM ${p.store.db}.events`,
    );
    expect(rows[0]).toEqual({ n: String(sent), ids: String(sent) });
    // Session b floors its positions to whole seconds: one second short over its two runs (see derive.test.ts).
    expect(truthWatch).toBe(80_000 + 43_000 + 150_000);
    expect(got).toMatchObject({
      views: 3,
      plays: 3,
      unique_viewers: 3,
      completions: 2,
      watch_time_ms: truthWatch - 1000,
      startup_ms_p50: 800,
      startup_ms_p95: 1200,
      exits_before_start: 0,
      failures: 0,
    });
    const stall = 1500 + 0 + 2500;
    expect(got.rebuffer_ratio).toBeCloseTo(stall / (truthWatch - 1000 + stall), 12);
  });

  it("a batch the SDK retries after a real 503 (the stream full for a moment) is stored once", async () => {
    await using nats = await startNats();
    await using p = await startPipeline({
      natsUrl: nats.url,
      clickhouseUrl: inject("clickhouseUrl"),
      roles: ["ingest", "analytics"],
    });
    await using js = await openJetStream(nats.url);
    const stream = p.config.stream.name;
    const start = new Date(Date.now() - 10 * 60_000);
    const video = `vid_retry_${p.ns}`;
    const { events } = scriptedSession({
      sessionId: `${p.ns}-r`,
      assetId: video,
      start,
      totalLength: 30,
      startupMs: 500,
      steps: [{ play: 30 }, { complete: true }],
    });
    expect(events).toHaveLength(7);

    // Room for 3 more messages: the first attempt stores 3 of the 7 and answers 503 stream_full.
    const info = await js.jsm.streams.info(stream);
    await js.jsm.streams.update(stream, { ...info.config, max_msgs: info.state.messages + 3 });
    const { analytics, statuses } = sdk(p, { flushAt: events.length, maxRetries: 10 });
    let raised: Promise<unknown> | undefined;
    analytics.on("http_response", (r) => {
      if (r.status === 503) raised ??= js.jsm.streams.update(stream, { ...info.config, max_msgs: -1 });
    });
    events.forEach((e) => track(analytics, "u-retry", e));
    await analytics.closeAndFlush({ timeout: 30_000 });
    await raised;
    expect(statuses[0]).toBe(503);
    expect(statuses[statuses.length - 1]).toBe(200);

    // The retry found the 3 stored before the 503 already there (duplicates) and stored the other 4.
    const metrics = await (await fetch(`${p.baseUrl}/metrics`)).text();
    expect(metrics).toContain('playpulse_segment_messages_total{type="video",outcome="duplicate"} 3');
    expect(metrics).toContain('playpulse_segment_messages_total{type="video",outcome="stored"} 4');
    const stored = (await js.messages(stream)).filter((m) => m.body.view_id === `${p.ns}-r`);
    const ids = stored.map((m) => m.msgId);
    expect(new Set(ids).size).toBe(7);
    expect(ids).toHaveLength(7);
    await waitFor(
      async () => {
        const r = await p.store.select<{ n: string }>(sql`SELECT count() AS n FROM ${p.store.db}.events`);
        return r[0]?.n === "7";
      },
      { timeoutMs: 20_000, what: "7 rows in events" },
    );
  });
});
