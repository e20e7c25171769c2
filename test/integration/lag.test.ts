import { describe, expect, inject, it } from "vitest";
import type { ConsumerLag, LagReport } from "../../src/query/index.ts";
import { startPipeline, waitFor } from "../helpers/index.ts";
import { openJetStream } from "../helpers/jetstream.ts";

/**
 * GET /v1/lag: exact backlogs while the consumers are stopped, then nothing pending and the
 * freshness of what they stored once they ran. The query role here runs alone: it reaches
 * NATS through its lazy connection and is ready without it.
 */
describe("GET /v1/lag", () => {
  it("reports exact pending counts with consumers stopped, then 0 and freshness after they ran", async () => {
    const servers = { natsUrl: inject("natsUrl"), clickhouseUrl: inject("clickhouseUrl") };
    await using edge = await startPipeline({ ...servers, roles: ["ingest"] });
    await using query = await startPipeline({ ...servers, ns: edge.ns, roles: ["query"] });
    const ns = edge.ns;
    /** A minute ago, not a fixed date: one past PLAYPULSE_MAX_EVENT_AGE_DAYS (365) is rejected. */
    const TS = new Date(Date.now() - 60_000).toISOString();
    const view = (i: number, type: string) => ({
      id: `${ns}-${i}`,
      type,
      timestamp: TS,
      user_id: "u",
      view_id: "v",
      video_id: "m",
      position_ms: i,
    });
    const r = await edge.send(
      [
        view(1, "user.video.play_requested"),
        view(2, "user.video.played"),
        view(3, "user.video.paused"),
        view(4, "user.video.ended"),
        {
          id: `${ns}-5`,
          type: "video.encoding.completed",
          timestamp: TS,
          video_id: "m",
          title: "T",
          duration_ms: 1,
          genres: [],
        },
      ].map((e) =>
        e.type === "user.video.played"
          ? { ...e, startup_ms: 10 }
          : e.type === "user.video.ended"
            ? { ...e, played_ms: 1, rebuffer_ms: 0 }
            : e,
      ),
    );
    expect(r.body).toMatchObject({ accepted: 5, rejected: 0 });

    const before = await query.get("/v1/lag");
    expect(before.status).toBe(200);
    const report = before.body as LagReport;
    const age = expect.any(Number) as unknown;
    const at = expect.stringMatching(/^\d{4}-/) as unknown;
    const none = { window_minutes: 5, samples: 0, p50_seconds: null, p95_seconds: null };
    await using js = await openJetStream(servers.natsUrl);
    const { state } = await js.jsm.streams.info(edge.config.stream.name);
    expect(state.messages).toBe(5);
    expect(report).toEqual({
      as_of: at,
      window_minutes: 5,
      backlog: "ok",
      // The stream's size as JetStream states it to another client: the 5 messages and their bytes.
      stream: { stream: edge.config.stream.name, messages: 5, bytes: state.bytes },
      consumers: [
        {
          consumer: "analytics",
          filter_subject: `${ns}.user.>`,
          pending_messages: 4,
          undelivered_messages: 4,
          unacked_messages: 0,
          oldest_unprocessed_age_seconds: age,
          oldest_unprocessed: { stream_seq: 1, subject: `${ns}.user.video.play_requested`, stored_at: at },
          dead_letters: 0,
          freshness: none,
        },
        {
          consumer: "recommendations",
          filter_subject: `${ns}.user.video.*`,
          pending_messages: 4,
          undelivered_messages: 4,
          unacked_messages: 0,
          oldest_unprocessed_age_seconds: age,
          oldest_unprocessed: { stream_seq: 1, subject: `${ns}.user.video.play_requested`, stored_at: at },
          dead_letters: 0,
          freshness: none,
        },
        {
          consumer: "content",
          filter_subject: `${ns}.video.>`,
          pending_messages: 1,
          undelivered_messages: 1,
          unacked_messages: 0,
          oldest_unprocessed_age_seconds: age,
          // Sequences 1-4 are user events: the oldest content has not processed is the 5th message.
          oldest_unprocessed: { stream_seq: 5, subject: `${ns}.video.encoding.completed`, stored_at: at },
          dead_letters: 0,
          freshness: none,
        },
      ],
      // A single-region deployment: the stream sources no region (docs/regions.md).
      regions: [],
    });
    for (const c of report.consumers) expect(c.oldest_unprocessed_age_seconds, c.consumer).toBeGreaterThanOrEqual(0);

    await using consumers = await startPipeline({ ...servers, ns, roles: ["analytics", "recommendations", "content"] });
    const after = await waitFor(
      async () => {
        const res = await query.get("/v1/lag?minutes=10");
        const body = res.body as LagReport;
        const settled =
          body.consumers.every((c) => c.pending_messages === 0) &&
          body.consumers[0]?.freshness.samples === 4 &&
          body.consumers[1]?.freshness.samples === 4 &&
          body.consumers[2]?.freshness.samples === 1;
        return settled ? body : undefined;
      },
      { timeoutMs: 30_000, what: "every consumer caught up" },
    );
    const byName = Object.fromEntries(after.consumers.map((c) => [c.consumer, c])) as Record<string, ConsumerLag>;
    for (const name of ["analytics", "recommendations", "content"]) {
      expect(byName[name], name).toMatchObject({
        pending_messages: 0,
        undelivered_messages: 0,
        unacked_messages: 0,
        oldest_unprocessed_age_seconds: 0,
        oldest_unprocessed: null,
        dead_letters: 0,
      });
    }
    for (const [name, samples] of [
      ["analytics", 4],
      ["recommendations", 4],
      ["content", 1],
    ] as const) {
      const f = byName[name]?.freshness;
      expect(f, name).toMatchObject({ window_minutes: 10, samples });
      expect(typeof f?.p50_seconds, name).toBe("number");
      expect(f?.p50_seconds ?? -1, name).toBeGreaterThanOrEqual(0);
      expect(f?.p95_seconds ?? -1, name).toBeGreaterThanOrEqual(f?.p50_seconds ?? 0);
    }
    expect(consumers.ns).toBe(ns);
  });

  it("answers with the freshness and a null backlog when the query role cannot reach NATS, and stays ready", async () => {
    await using query = await startPipeline({
      natsUrl: "nats://127.0.0.1:1",
      clickhouseUrl: inject("clickhouseUrl"),
      roles: ["query"],
    });
    expect(await query.get("/readyz")).toEqual({
      status: 200,
      body: { status: "ready", checks: { clickhouse: true } },
    });
    const res = await query.get("/v1/lag");
    expect(res.status).toBe(200);
    const body = res.body as LagReport;
    expect(body).toMatchObject({ backlog: "unavailable", backlog_error: "not connected to NATS", stream: null });
    expect(
      body.consumers.map((c) => [
        c.consumer,
        c.pending_messages,
        c.oldest_unprocessed_age_seconds,
        c.freshness.samples,
      ]),
    ).toEqual([
      ["analytics", null, null, 0],
      ["recommendations", null, null, 0],
      ["content", null, null, 0],
    ]);
  });

  it.each([
    ["0", 400],
    ["1441", 400],
    ["abc", 400],
    ["1", 200],
  ])("?minutes=%s answers %i", async (minutes, status) => {
    await using query = await startPipeline({
      natsUrl: "nats://127.0.0.1:1",
      clickhouseUrl: inject("clickhouseUrl"),
      roles: ["query"],
    });
    const res = await query.get(`/v1/lag?minutes=${minutes}`);
    expect(res.status).toBe(status);
    if (status === 400) expect(res.body).toMatchObject({ error: { code: "invalid_parameter" } });
  });
});
