/**
 * Scoped keys (PLAYPULSE_KEYS, hashes only) on a real edge: scopes per route and per event type,
 * two live keys per source (rotation), and deduplication scoped per source.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createKey } from "../../src/keys/index.ts";
import { startPipeline, type Pipeline } from "../helpers/index.ts";
import { openJetStream, type JetStreamProbe } from "../helpers/jetstream.ts";

const web = createKey("web", ["events:write"]);
const webNext = createKey("web", ["events:write"]);
const ios = createKey("ios", ["events:write"]);
const pipelineKey = createKey("pipeline", ["catalog"]);
const dash = createKey("dash", ["stats:read"]);

const ts = () => new Date(Date.now() - 1000).toISOString();
const play = (id: string, user = "u1") => ({
  id,
  type: "user.video.paused",
  timestamp: ts(),
  user_id: user,
  view_id: `v-${id}`,
  video_id: "m1",
  position_ms: 0,
});
const encoded = (id: string) => ({
  id,
  type: "video.encoding.completed",
  timestamp: ts(),
  video_id: "m1",
  title: "Legit",
  duration_ms: 1000,
  genres: ["doc"],
});

describe("scoped keys", () => {
  let p: Pipeline;
  let js: JetStreamProbe;
  beforeAll(async () => {
    p = await startPipeline({
      natsUrl: inject("natsUrl"),
      clickhouseUrl: inject("clickhouseUrl"),
      roles: ["ingest", "query"],
      env: { PLAYPULSE_KEYS: [web, webNext, ios, pipelineKey, dash].map((k) => k.line).join("\n") },
    });
    js = await openJetStream(inject("natsUrl"));
  });
  afterAll(async () => {
    await js?.close();
    await p?.stop();
  });

  it("both live keys of a source send play events; neither may send catalog events (rejected per event)", async () => {
    const a = await p.send([play("k-1"), encoded("k-cat-1")], { key: web.key });
    const b = await p.send([play("k-2")], { key: webNext.key });
    expect([a.status, a.body, b.status]).toEqual([
      202,
      {
        accepted: 1,
        duplicates: 0,
        rejected: 1,
        results: [
          { index: 0, id: "k-1", status: "accepted" },
          {
            index: 1,
            id: "k-cat-1",
            status: "rejected",
            error:
              'forbidden: video.encoding.completed needs a key with the catalog scope (source "web" has events:write)',
          },
        ],
      },
      202,
    ]);
  });

  it("the catalog key sends catalog events and no play events", async () => {
    const r = await p.send([encoded("k-cat-2"), play("k-3")], { key: pipelineKey.key });
    expect(r.body).toEqual({
      accepted: 1,
      duplicates: 0,
      rejected: 1,
      results: [
        { index: 0, id: "k-cat-2", status: "accepted" },
        {
          index: 1,
          id: "k-3",
          status: "rejected",
          error: 'forbidden: user.video.paused needs a key with the events:write scope (source "pipeline" has catalog)',
        },
      ],
    });
  });

  it("deduplication is per source: another source's copy of an id does not drop the real event", async () => {
    const attacker = await p.send([play("shared-1", "attacker")], { key: ios.key });
    const real = await p.send([play("shared-1", "victim")], { key: web.key });
    const again = await p.send([play("shared-1", "victim")], { key: webNext.key });
    expect(
      [attacker.body, real.body, again.body].map((b) => (b as { results: { status: string }[] }).results[0]?.status),
    ).toEqual(["accepted", "accepted", "duplicate"]);
    const stored = (await js.messages(p.config.stream.name)).filter((m) => m.msgId === "shared-1");
    expect(stored.map((m) => [m.dedupId, m.body["user_id"]])).toEqual([
      ["ios:shared-1", "attacker"],
      ["web:shared-1", "victim"],
    ]);
  });

  it("CloudEvents and Segment apply the same per-type scopes and per-source message ids as POST /v1/events", async () => {
    const ce = async (key: string, events: Record<string, unknown>[]) => {
      const res = await fetch(`${p.baseUrl}/v1/events`, {
        method: "POST",
        headers: { authorization: `Bearer ${key}`, "content-type": "application/cloudevents-batch+json" },
        body: JSON.stringify(
          events.map(({ id, type, timestamp, ...data }) => ({
            specversion: "1.0",
            id,
            type,
            time: timestamp,
            source: "/k",
            data,
          })),
        ),
      });
      return res.json();
    };
    const forbidden = (type: string, need: string, source: string, has: string) =>
      `forbidden: ${type} needs a key with the ${need} scope (source "${source}" has ${has})`;
    expect(await ce(pipelineKey.key, [play("k-ce-1"), encoded("k-ce-cat")])).toEqual({
      accepted: 1,
      duplicates: 0,
      rejected: 1,
      results: [
        {
          index: 0,
          id: "k-ce-1",
          status: "rejected",
          error: forbidden("user.video.paused", "events:write", "pipeline", "catalog"),
        },
        { index: 1, id: "k-ce-cat", status: "accepted" },
      ],
    });
    expect(await ce(web.key, [encoded("k-ce-cat-2"), play("k-ce-2")])).toEqual({
      accepted: 1,
      duplicates: 0,
      rejected: 1,
      results: [
        {
          index: 0,
          id: "k-ce-cat-2",
          status: "rejected",
          error: forbidden("video.encoding.completed", "catalog", "web", "events:write"),
        },
        { index: 1, id: "k-ce-2", status: "accepted" },
      ],
    });
    const segment = async (key: string, messageId: string) => {
      const res = await fetch(`${p.baseUrl}/v1/track`, {
        method: "POST",
        headers: { authorization: `Basic ${btoa(`${key}:`)}`, "content-type": "application/json" },
        body: JSON.stringify({
          userId: "u-seg",
          event: "Video Playback Started",
          messageId,
          timestamp: ts(),
          properties: { session_id: `s-${messageId}`, content_asset_id: "m1", position: 0 },
        }),
      });
      return res.json();
    };
    expect(await segment(pipelineKey.key, "k-seg-1")).toEqual({
      success: true,
      stored: 0,
      duplicates: 0,
      ignored: 0,
      dropped: [
        {
          index: 0,
          messageId: "k-seg-1",
          reason: forbidden("user.video.play_requested", "events:write", "pipeline", "catalog"),
        },
      ],
    });
    expect(await segment(web.key, "k-seg-2")).toEqual({
      success: true,
      stored: 1,
      duplicates: 0,
      ignored: 0,
      dropped: [],
    });
    const stored = await js.messages(p.config.stream.name);
    expect(
      stored
        .filter((m) => ["k-ce-1", "k-ce-cat", "k-ce-cat-2", "k-ce-2", "k-seg-1", "k-seg-2"].includes(m.msgId ?? ""))
        .map((m) => m.dedupId),
    ).toEqual(["pipeline:k-ce-cat", "web:k-ce-2", "web:k-seg-2"]);
  });

  it("a stats:read key reads and cannot send; a sending key cannot read", async () => {
    expect((await p.get("/v1/videos/top", dash.key)).status).toBe(200);
    expect(await p.get("/v1/videos/top", web.key)).toEqual({
      status: 403,
      body: {
        error: {
          code: "forbidden",
          message: 'this key (source "web", scopes events:write) lacks the stats:read scope this route needs',
        },
      },
    });
    expect((await p.send([play("k-4")], { key: dash.key })).status).toBe(403);
  });
});
