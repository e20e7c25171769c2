/**
 * CloudEvents 1.0 on POST /v1/events, sent by the real `cloudevents` SDK in each HTTP content mode:
 * binary and structured through its HTTP emitter, batched with its CloudEvent objects and batch
 * content type. Each event is stored once with the CloudEvents binary-mode headers; a missing
 * specversion, or 0.3, is rejected per event with a reason.
 */
import { CloudEvent, CONSTANTS, emitterFor, httpTransport, Mode } from "cloudevents";
import { describe, expect, inject, it } from "vitest";
import { sql } from "../../src/store/index.ts";
import { expectAnswerMatchesOpenApi, startPipeline, waitFor } from "../helpers/index.ts";
import { openJetStream, writeKeyMsgId } from "../helpers/jetstream.ts";

const TS = new Date(Date.now() - 60_000).toISOString();
const data = (view: string, extra: Record<string, unknown> = {}) => ({
  user_id: "u-ce",
  view_id: view,
  video_id: "vid_ce",
  position_ms: 0,
  ...extra,
});
const event = (id: string, type: string, view: string, extra: Record<string, unknown> = {}) =>
  new CloudEvent({ specversion: "1.0", id, source: "/players/web", type, time: TS, data: data(view, extra) });

describe("CloudEvents 1.0 with the real cloudevents SDK", () => {
  it("binary, structured and batched modes are stored once each, with ce-* headers; a bad specversion is rejected per event", async () => {
    await using p = await startPipeline({
      natsUrl: inject("natsUrl"),
      clickhouseUrl: inject("clickhouseUrl"),
      roles: ["ingest", "analytics"],
    });
    await using js = await openJetStream(inject("natsUrl"));
    const url = `${p.baseUrl}/v1/events`;
    const auth = { headers: { authorization: `Bearer ${p.writeKey}` } };
    const answer = (r: unknown) => JSON.parse((r as { body: string }).body) as unknown;

    const binary = emitterFor(httpTransport(url), { mode: Mode.BINARY });
    expect(answer(await binary(event("ce-1", "user.video.play_requested", "v-ce"), auth))).toEqual({
      accepted: 1,
      duplicates: 0,
      rejected: 0,
      results: [{ index: 0, id: "ce-1", status: "accepted" }],
    });
    const structured = emitterFor(httpTransport(url), { mode: Mode.STRUCTURED });
    expect(answer(await structured(event("ce-2", "user.video.played", "v-ce", { startup_ms: 700 }), auth))).toEqual({
      accepted: 1,
      duplicates: 0,
      rejected: 0,
      results: [{ index: 0, id: "ce-2", status: "accepted" }],
    });
    // The SDK has no batch serializer: its events, as JSON, in its batch content type.
    const old = new CloudEvent({
      specversion: "0.3",
      id: "ce-old",
      source: "/x",
      type: "user.video.paused",
      time: TS,
      data: data("v-ce"),
    });
    const { specversion: _, ...unversioned } = event("ce-none", "user.video.paused", "v-ce").toJSON();
    const batch = [
      event("ce-3", "user.video.heartbeat", "v-ce", {
        position_ms: 10_000,
        played_ms: 10_000,
        rebuffer_ms: 0,
      }).toJSON(),
      old.toJSON(),
      unversioned,
      event("ce-4", "user.video.paused", "v-ce", { position_ms: -1 }).toJSON(),
      event("ce-1", "user.video.play_requested", "v-ce").toJSON(),
    ];
    const r = await httpTransport(url)(
      { headers: { "content-type": `${CONSTANTS.MIME_CE_BATCH}; charset=utf-8` }, body: JSON.stringify(batch) },
      auth,
    );
    expect(answer(r)).toEqual({
      accepted: 1,
      duplicates: 1,
      rejected: 3,
      results: [
        { index: 0, id: "ce-3", status: "accepted" },
        { index: 1, id: null, status: "rejected", error: 'specversion: must be "1.0" (CloudEvents 1.0), got "0.3"' },
        {
          index: 2,
          id: null,
          status: "rejected",
          error: 'specversion: required; Playpulse takes CloudEvents 1.0 ("specversion": "1.0")',
        },
        { index: 3, id: "ce-4", status: "rejected", error: "position_ms: must be between 0 and 2592000000, got -1" },
        { index: 4, id: "ce-1", status: "duplicate" },
      ],
    });
    // Not a CloudEvents request: POST /v1/events as always.
    expect(await p.send({ id: "plain-1", type: "user.video.paused", timestamp: TS, ...data("v-ce") })).toMatchObject({
      status: 202,
      body: { accepted: 1 },
    });

    const stream = p.config.stream.name;
    const stored = await js.messages(stream);
    // Message ids are <source>:<id> on every ingest route, so a resend through any of them is a duplicate.
    expect(stored.map((m) => m.dedupId)).toEqual(["ce-1", "ce-2", "ce-3", "plain-1"].map(writeKeyMsgId));
    expect(stored[1]?.body).toMatchObject({
      type: "user.video.played",
      timestamp: TS,
      startup_ms: 700,
      view_id: "v-ce",
    });
    const first = await js.jsm.streams.getMessage(stream, { seq: stored[0]?.seq ?? 0 });
    expect(
      Object.fromEntries(
        ["ce-specversion", "ce-id", "ce-type", "ce-source", "ce-time"].map((h) => [h, first?.header.get(h)]),
      ),
    ).toEqual({
      "ce-specversion": "1.0",
      "ce-id": "ce-1",
      "ce-type": "user.video.play_requested",
      "ce-source": "/players/web",
      "ce-time": TS,
    });
    await waitFor(
      async () => {
        const rows = await p.store.select<{ n: string }>(sql`SELECT count() AS n FROM ${p.store.db}.events`);
        return rows[0]?.n === "4";
      },
      { timeoutMs: 20_000, what: "4 rows in events" },
    );
  });

  it("a missing or wrong specversion in structured or binary mode is a 400 with the reason; no key is a 401", async () => {
    await using p = await startPipeline({
      natsUrl: inject("natsUrl"),
      clickhouseUrl: inject("clickhouseUrl"),
      roles: ["ingest"],
    });
    const post = async (headers: Record<string, string>, body: string, key: string | null = p.writeKey) => {
      const res = await fetch(`${p.baseUrl}/v1/events`, {
        method: "POST",
        headers: { ...headers, ...(key ? { authorization: `Bearer ${key}` } : {}) },
        body,
      });
      const answer = { status: res.status, body: await res.json() };
      expectAnswerMatchesOpenApi("POST", "/v1/events", answer.status, answer.body);
      return answer;
    };
    const structured = {
      specversion: "2.0",
      id: "x1",
      source: "/s",
      type: "user.video.paused",
      time: TS,
      data: data("v"),
    };
    expect(await post({ "content-type": CONSTANTS.MIME_CE_JSON }, JSON.stringify(structured))).toEqual({
      status: 400,
      body: {
        accepted: 0,
        duplicates: 0,
        rejected: 1,
        results: [
          { index: 0, id: null, status: "rejected", error: 'specversion: must be "1.0" (CloudEvents 1.0), got "2.0"' },
        ],
      },
    });
    const binary = {
      "content-type": "application/json",
      "ce-specversion": "0.3",
      "ce-id": "x2",
      "ce-source": "/s",
      "ce-type": "user.video.paused",
    };
    expect((await post(binary, JSON.stringify(data("v")))).body).toMatchObject({
      results: [{ status: "rejected", error: 'specversion: must be "1.0" (CloudEvents 1.0), got "0.3"' }],
    });
    expect(await post({ "content-type": CONSTANTS.MIME_CE_JSON }, JSON.stringify(structured), null)).toMatchObject({
      status: 401,
    });
  });
});
