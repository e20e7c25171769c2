/**
 * The Segment routes with RudderStack's Node SDK (gzip bodies, Basic auth, `dataPlaneUrl` at the
 * edge), and by hand: every route, the key in the body, wrong keys, non-video messages counted and
 * not stored, unusable video events dropped with their reasons, never an error.
 */
import Analytics from "@rudderstack/rudder-sdk-node";
import { gzipSync } from "node:zlib";
import { describe, expect, inject, it } from "vitest";
import { expectAnswerMatchesOpenApi, startPipeline, waitFor } from "../helpers/index.ts";
import { openJetStream, writeKeyMsgId } from "../helpers/jetstream.ts";
import { scriptedSession } from "./segment-session.ts";

describe("Segment routes: RudderStack's SDK and the request shapes by hand", () => {
  it("@rudderstack/rudder-sdk-node (gzip, Basic auth) stores a Video Spec session once and its other calls are ignored", async () => {
    await using p = await startPipeline({
      natsUrl: inject("natsUrl"),
      clickhouseUrl: inject("clickhouseUrl"),
      roles: ["ingest"],
    });
    await using js = await openJetStream(inject("natsUrl"));
    const start = new Date(Date.now() - 5 * 60_000);
    const { events } = scriptedSession({
      sessionId: `${p.ns}-rs`,
      assetId: "vid_rs",
      start,
      totalLength: 20,
      startupMs: 600,
      steps: [{ play: 20 }, { complete: true }],
    });
    const client = new Analytics(p.writeKey, {
      dataPlaneUrl: p.baseUrl,
      flushAt: 100,
      flushInterval: 60_000,
      logLevel: "error",
    });
    for (const e of events)
      client.track({ userId: "u-rs", event: e.event, properties: e.properties, timestamp: e.timestamp });
    client.page({ userId: "u-rs", name: "Home" });
    client.identify({ userId: "u-rs", traits: { plan: "pro" } });
    await client.flush();
    const stored = await waitFor(
      async () => {
        const m = (await js.messages(p.config.stream.name)).filter((x) => x.body.view_id === `${p.ns}-rs`);
        return m.length === events.length ? m : undefined;
      },
      { timeoutMs: 10_000, what: "the RudderStack session in the stream" },
    );
    expect(stored.map((m) => m.body.type)).toEqual([
      "user.video.play_requested",
      "user.video.played",
      "user.video.heartbeat",
      "user.video.heartbeat",
      "user.video.completed",
      "user.video.completed",
    ]);
    expect(stored.map((m) => m.dedupId)).toEqual(stored.map((m) => writeKeyMsgId(String(m.body.id))));
    expect(stored[1]?.body).toMatchObject({ startup_ms: 600, user_id: "u-rs", video_id: "vid_rs" });
    expect(stored[5]?.body).toMatchObject({ played_ms: 20_000, rebuffer_ms: 0 });
    const metrics = await (await fetch(`${p.baseUrl}/metrics`)).text();
    expect(metrics).toContain('playpulse_segment_messages_total{type="video",outcome="stored"} 6');
    expect(metrics).toContain('playpulse_segment_messages_total{type="page",outcome="ignored"} 1');
    expect(metrics).toContain('playpulse_segment_messages_total{type="identify",outcome="ignored"} 1');
  });

  it("every route, Basic or body key, gzip; reasons for what is dropped; 401 and 400 for what is not a request", async () => {
    await using p = await startPipeline({
      natsUrl: inject("natsUrl"),
      clickhouseUrl: inject("clickhouseUrl"),
      roles: ["ingest"],
    });
    const basic = (key: string) => `Basic ${Buffer.from(`${key}:`).toString("base64")}`;
    const post = async (
      path: string,
      body: unknown,
      headers: Record<string, string> = { authorization: basic(p.writeKey) },
    ) => {
      const res = await fetch(`${p.baseUrl}/v1/${path}`, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body: body instanceof Uint8Array ? body : JSON.stringify(body),
      });
      const answer = { status: res.status, body: await res.json() };
      expectAnswerMatchesOpenApi("POST", `/v1/${path}`, answer.status, answer.body);
      return answer;
    };
    const ok = { success: true, stored: 0, duplicates: 0, ignored: 1, dropped: [] };
    for (const route of ["page", "screen", "identify", "group", "alias", "track"]) {
      expect(await post(route, { userId: "u", event: "Signed Up", messageId: `m-${route}` }), route).toEqual({
        status: 200,
        body: ok,
      });
    }
    const ts = new Date(Date.now() - 60_000).toISOString();
    const video = (messageId: string, properties: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
      type: "track",
      event: "Video Playback Started",
      messageId,
      anonymousId: "anon-1",
      timestamp: ts,
      properties,
      ...extra,
    });
    const batch = {
      writeKey: p.writeKey,
      batch: [
        video("ok-1", { session_id: "s-http", content_asset_id: "vid_h", position: 0 }),
        video("no-session", { content_asset_id: "vid_h" }),
        video("no-asset", { session_id: "s-other" }),
        video("bad-pos", { session_id: "s-http", position: -3 }),
        video("no-user", { session_id: "s-http" }, { anonymousId: undefined }),
        { type: "track", event: "Video Ad Started", messageId: "ad-1", userId: "u" },
        "not an object",
      ],
    };
    const gz = gzipSync(JSON.stringify(batch));
    expect(await post("batch", new Uint8Array(gz), { "content-encoding": "gzip" })).toEqual({
      status: 200,
      body: {
        success: true,
        stored: 1,
        duplicates: 0,
        ignored: 1,
        dropped: [
          { index: 1, messageId: "no-session", reason: "properties.session_id: required for Video Spec events" },
          {
            index: 2,
            messageId: "no-asset",
            reason:
              "properties.content_asset_id: no content_asset_id, asset_id or content_asset_ids in the event or earlier in the session",
          },
          { index: 3, messageId: "bad-pos", reason: "properties.position: Too small: expected number to be >=0" },
          { index: 4, messageId: "no-user", reason: "userId or anonymousId: one is required" },
          { index: 6, messageId: null, reason: "message: must be a JSON object" },
        ],
      },
    });
    // The same batch again (an SDK retry): a duplicate, nothing new.
    expect((await post("batch", new Uint8Array(gz), { "content-encoding": "gzip" })).body).toMatchObject({
      stored: 0,
      duplicates: 1,
    });
    expect(await post("track", video("x", {}), { authorization: basic("wk_unknown") })).toMatchObject({ status: 401 });
    expect(await post("track", video("x", {}), { authorization: basic(p.readKey) })).toMatchObject({ status: 403 });
    expect(await post("track", video("x", {}), {})).toMatchObject({
      status: 401,
      body: {
        error: {
          code: "unauthorized",
          message:
            'missing write key; send the write key as the HTTP Basic username with an empty password, or as "writeKey" in the body',
        },
      },
    });
    expect(await post("batch", { batch: "no" })).toMatchObject({
      status: 400,
      body: { error: { code: "invalid_body" } },
    });
    expect(await post("batch", new TextEncoder().encode("{"))).toMatchObject({
      status: 400,
      body: { error: { code: "invalid_json" } },
    });
  });
});
