/**
 * The broker cannot store: the edge answers 503 with Retry-After and claims nothing; a retry
 * once the broker is back stores exactly the events of the request, once.
 */
import { describe, expect, inject, it } from "vitest";
import { startNats, startPipeline, waitFor, type Pipeline } from "../helpers/index.ts";
import { openJetStream } from "../helpers/jetstream.ts";

const TS = new Date(Date.now() - 60_000).toISOString();
const paused = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  type: "user.video.paused",
  timestamp: TS,
  user_id: "u1",
  view_id: "v1",
  video_id: "m1",
  position_ms: 0,
  ...extra,
});
const claimNothing = (code: string, reason: string, retryAfter: number) => ({
  error: {
    code,
    message: `${reason}; nothing from this request is claimed as accepted: retry it with the same event ids after ${retryAfter} s, and events already stored will answer "duplicate"`,
  },
});
const readyz = async (p: Pipeline) => {
  const res = await fetch(`${p.baseUrl}/readyz`);
  return { status: res.status, body: await res.json() };
};

describe("broker down", () => {
  it("answers 503 with Retry-After while nats-server is down, never 202, and stores a retry exactly once after", async () => {
    await using nats = await startNats();
    await using p = await startPipeline({
      natsUrl: nats.url,
      clickhouseUrl: inject("clickhouseUrl"),
      roles: ["ingest"],
      env: { PLAYPULSE_RETRY_AFTER_SECONDS: "3" },
    });
    const stream = p.config.stream.name;

    const before = await p.send([paused("a1"), paused("a2")]);
    expect(before).toMatchObject({ status: 202, body: { accepted: 2, duplicates: 0, rejected: 0 } });

    await nats.stop();
    const down = await waitFor(async () => ((await readyz(p)).status === 503 ? readyz(p) : undefined), {
      timeoutMs: 15_000,
      what: "/readyz 503 once NATS is gone",
    });
    expect(down).toEqual({ status: 503, body: { status: "not_ready", checks: { nats: false } } });

    const batch = [paused("a1"), paused("b1"), paused("b2")];
    const unavailable = claimNothing(
      "broker_unavailable",
      "the event broker is unavailable (not connected to NATS)",
      3,
    );
    for (const body of [batch, batch, [paused("b1"), paused("bad", { position_ms: -1 })], paused("b2")]) {
      const r = await p.send(body);
      expect({ status: r.status, retryAfter: r.headers.get("retry-after"), body: r.body }).toEqual({
        status: 503,
        retryAfter: "3",
        body: unavailable,
      });
    }
    // Nothing to publish, nothing to claim: a request of rejected events is still a 400.
    expect(await p.send([paused("bad", { position_ms: -1 })])).toMatchObject({
      status: 400,
      body: { accepted: 0, rejected: 1 },
    });

    await nats.restart();
    await waitFor(async () => (await readyz(p)).status === 200, {
      timeoutMs: 20_000,
      what: "/readyz 200 once NATS is back",
    });
    await using js = await openJetStream(nats.url);

    const retry = await p.send(batch);
    expect(retry).toMatchObject({
      status: 202,
      body: {
        accepted: 2,
        duplicates: 1,
        rejected: 0,
        results: [
          { index: 0, id: "a1", status: "duplicate" },
          { index: 1, id: "b1", status: "accepted" },
          { index: 2, id: "b2", status: "accepted" },
        ],
      },
    });
    const again = await p.send(batch);
    expect(again).toMatchObject({ status: 202, body: { accepted: 0, duplicates: 3, rejected: 0 } });
    expect((await js.messages(stream)).map((m) => m.msgId)).toEqual(["a1", "a2", "b1", "b2"]);
  }, 120_000);

  it("answers 503 stream_full, claiming nothing, when the stream has reached PLAYPULSE_STREAM_MAX_BYTES", async () => {
    await using js = await openJetStream(inject("natsUrl"));
    await using p = await startPipeline({
      natsUrl: inject("natsUrl"),
      clickhouseUrl: inject("clickhouseUrl"),
      roles: ["ingest"],
      env: { PLAYPULSE_STREAM_MAX_BYTES: "2048" },
    });
    const stream = p.config.stream.name;

    // One event a request until the stream refuses one: each is either stored whole or refused.
    const stored: string[] = [];
    let refused: Awaited<ReturnType<Pipeline["send"]>> | undefined;
    for (let i = 0; i < 50 && refused === undefined; i++) {
      const r = await p.send(paused(`fill-${i}`));
      if (r.status === 202) {
        expect(r.body).toEqual({
          accepted: 1,
          duplicates: 0,
          rejected: 0,
          results: [{ index: 0, id: `fill-${i}`, status: "accepted" }],
        });
        stored.push(`fill-${i}`);
      } else refused = r;
    }
    expect(stored.length).toBeGreaterThan(0);
    const full = claimNothing("stream_full", "the event stream is full (maximum bytes exceeded)", 2);
    expect({ status: refused?.status, retryAfter: refused?.headers.get("retry-after"), body: refused?.body }).toEqual({
      status: 503,
      retryAfter: "2",
      body: full,
    });

    const batch = await p.send([paused("late-1"), paused("late-2")]);
    expect({ status: batch.status, retryAfter: batch.headers.get("retry-after"), body: batch.body }).toEqual({
      status: 503,
      retryAfter: "2",
      body: full,
    });
    expect((await js.messages(stream)).map((m) => m.msgId)).toEqual(stored);
    // Dedup comes before the limits: a retry of a stored event still answers duplicate, but one
    // new event in the request makes the whole request a 503.
    const first = stored[0] ?? "";
    expect(await p.send([paused(first)])).toMatchObject({
      status: 202,
      body: { accepted: 0, duplicates: 1, results: [{ index: 0, id: first, status: "duplicate" }] },
    });
    expect(await p.send([paused(first), paused("late-3")])).toMatchObject({ status: 503, body: full });
    expect((await js.messages(stream)).map((m) => m.msgId)).toEqual(stored);
  });
});
