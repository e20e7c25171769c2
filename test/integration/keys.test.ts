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
