/**
 * PLAYPULSE_USER_ID_HASH=hmac end to end (docs/privacy.md#pseudonymous-ids): events for four
 * users arrive through POST /v1/events, a CloudEvent and Segment's /v1/track; the stream and
 * every table hold only the HMAC-SHA256 of each id (computed here with node:crypto), per-user
 * counts and recommendations still work, and no raw id reaches the stream.
 */
import { createHmac } from "node:crypto";
import { describe, expect, inject, it } from "vitest";
import { createKey } from "../../src/keys/index.ts";
import { ident, sql } from "../../src/store/index.ts";
import { startPipeline, waitFor } from "../helpers/index.ts";
import { openJetStream } from "../helpers/jetstream.ts";

const PEPPER = "test-pepper-7f3a9c0e5b1d2468";
const admin = createKey("ops", ["admin"]);
const hmac = (id: string) => createHmac("sha256", PEPPER).update(id, "utf8").digest("hex");

describe("pseudonymous user ids", () => {
  it("stores the HMAC of every user id on every ingest route, and per-user reads still work", async () => {
    await using p = await startPipeline({
      natsUrl: inject("natsUrl"),
      clickhouseUrl: inject("clickhouseUrl"),
      env: { PLAYPULSE_USER_ID_HASH: "hmac", PLAYPULSE_USER_ID_PEPPER: PEPPER, PLAYPULSE_KEYS: admin.line },
    });
    await using js = await openJetStream(inject("natsUrl"));
    const [alice, bob, carol, dave] = ["alice", "bob", "carol", "dave"].map((u) => `${u}-${p.ns}`) as [
      string,
      string,
      string,
      string,
    ];
    const ts = new Date(Date.now() - 60_000).toISOString();
    // Event and view ids never repeat the user id, so a raw id found in the stream can only be a user_id.
    let n = 0;
    const completed = (user: string, video: string) => {
      const view = `view-${++n}`;
      return [
        { id: `e-${n}-r`, type: "user.video.play_requested", timestamp: ts, position_ms: 0 },
        {
          id: `e-${n}-c`,
          type: "user.video.completed",
          timestamp: ts,
          position_ms: 60_000,
          played_ms: 60_000,
          rebuffer_ms: 0,
        },
      ].map((e) => ({ ...e, user_id: user, view_id: view, video_id: `${p.ns}-${video}` }));
    };

    // v1 events: alice watched a; bob watched a and b (so b is recommended to alice).
    const title = (video: string) => ({
      id: `e-title-${video}`,
      type: "video.encoding.completed",
      timestamp: ts,
      video_id: `${p.ns}-${video}`,
      title: `Title ${video}`,
      duration_ms: 60_000,
      genres: ["drama"],
    });
    const v1 = await p.send([
      title("a"),
      title("b"),
      ...completed(alice, "a"),
      ...completed(bob, "a"),
      ...completed(bob, "b"),
    ]);
    expect(v1).toMatchObject({ status: 202, body: { accepted: 8, rejected: 0 } });
    // A CloudEvent (structured mode) for carol.
    const ce = await fetch(`${p.baseUrl}/v1/events`, {
      method: "POST",
      headers: { authorization: `Bearer ${p.writeKey}`, "content-type": "application/cloudevents+json" },
      body: JSON.stringify({
        specversion: "1.0",
        id: "e-ce",
        source: "/players/web",
        type: "user.video.paused",
        time: ts,
        data: { user_id: carol, view_id: "view-ce", video_id: `${p.ns}-a`, position_ms: 5000 },
      }),
    });
    expect(ce.status).toBe(202);
    // Segment's Video Spec for dave.
    const seg = await fetch(`${p.baseUrl}/v1/track`, {
      method: "POST",
      headers: {
        authorization: `Basic ${Buffer.from(`${p.writeKey}:`).toString("base64")}`,
        "content-type": "application/json",
      },
      body: JSON.stringify({
        type: "track",
        event: "Video Playback Started",
        messageId: "e-seg",
        userId: dave,
        timestamp: ts,
        properties: { session_id: "view-seg", content_asset_id: `${p.ns}-a`, position: 0 },
      }),
    });
    expect(await seg.json()).toMatchObject({ success: true, stored: 1 });

    const expected = { [hmac(alice)]: 2, [hmac(bob)]: 4, [hmac(carol)]: 1, [hmac(dave)]: 1 };
    const perUser = async (table: string) =>
      Object.fromEntries(
        (
          await p.store.select<{ user_id: string; n: string }>(
            sql`SELECT user_id, count() AS n FROM ${p.store.db}.${ident(table)} GROUP BY user_id`,
          )
        ).map((r) => [r.user_id, Number(r.n)]),
      );
    const events = await waitFor(
      async () => {
        const got = await perUser("events");
        return Object.values(got).reduce((a, b) => a + b, 0) >= 8 ? got : undefined;
      },
      { timeoutMs: 30_000, what: "8 events stored" },
    );
    expect(events).toEqual(expected);
    // rec_events holds the video events too; view_facts (3 resolutions per view) names the same users.
    await waitFor(async () => ((await perUser("rec_events"))[hmac(bob)] === 4 ? true : undefined), {
      timeoutMs: 30_000,
      what: "rec_events stored",
    });
    expect(Object.keys(await perUser("rec_events")).sort()).toEqual(Object.keys(expected).sort());
    // The materialized view writes view_facts after the events rows are visible: poll it too.
    const viewFactsUsers = await waitFor(
      async () => {
        const users = Object.keys(await perUser("view_facts")).sort();
        return users.length === 4 ? users : undefined;
      },
      { timeoutMs: 30_000, what: "view_facts of 4 users" },
    );
    expect(viewFactsUsers).toEqual(Object.keys(expected).sort());

    // GET /v1/users/<raw id>/recommendations: the query API hashes the id the same way.
    const recs = await p.get(`/v1/users/${alice}/recommendations`);
    expect(recs.status).toBe(200);
    expect(recs.body).toMatchObject({
      user_id: alice,
      items: [{ video_id: `${p.ns}-b`, reason: "because_you_watched", because: { video_id: `${p.ns}-a` } }],
    });

    // No raw id in the stream: neither in a body nor in a header, on any subject.
    const stored = await js.messages(p.config.stream.name);
    expect(stored).toHaveLength(10); // 6 video events and 2 titles, the CloudEvent, Segment's play_requested
    for (const m of stored) {
      const text = JSON.stringify(m);
      expect(
        [alice, bob, carol, dave].filter((id) => text.includes(id)),
        text,
      ).toEqual([]);
      if (m.subject.startsWith(`${p.ns}.user.`)) expect(Object.keys(expected)).toContain(m.body.user_id);
    }

    // Erasure by the raw id: the edge hashes it the same way, so the user's rows go.
    const del = await fetch(`${p.baseUrl}/v1/users/${encodeURIComponent(carol)}`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${admin.key}` },
    });
    expect(del.status).toBe(202);
    const { status_url } = (await del.json()) as { status_url: string };
    await waitFor(
      async () => {
        const r = await fetch(`${p.baseUrl}${status_url}`, { headers: { authorization: `Bearer ${admin.key}` } });
        return ((await r.json()) as { state: string }).state === "done" ? true : undefined;
      },
      { timeoutMs: 60_000, what: "the erasure receipt done" },
    );
    const left = await perUser("events");
    expect(left[hmac(carol)]).toBeUndefined();
    expect(left[hmac(bob)]).toBe(4);
  });
});
