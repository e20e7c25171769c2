/**
 * PLAYPULSE_PACK_EVENTS (src/ingest/pack.ts) against the real servers. The scripted scenario of
 * the end-to-end test (test/helpers/scenario.ts, whose answers e2e.test.ts checks by hand) goes
 * to a pipeline that packs and to one that does not. Every query route answers the same on both:
 * the store counts an event once, whatever message carried it. The stream holds one message per
 * subject and request, and the edge's answers differ from the unpacked ones only as the model
 * below says: an event sent again inside a pack of another request is "accepted" again, while a
 * request resent whole is "duplicate" event by event.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { PACK_HEADER, PACK_TRACES_HEADER, subjectNames } from "../../src/events/index.ts";
import { ident, sql } from "../../src/store/index.ts";
import { startPipeline, waitFor, type Pipeline } from "../helpers/index.ts";
import { openJetStream, type JetStreamProbe } from "../helpers/jetstream.ts";
import {
  acceptedIds,
  buildScenario,
  EXPERIMENT,
  sendScenario,
  waitUntilStored,
  type Scenario,
  type SentRequest,
} from "../helpers/scenario.ts";

const HOUR = 3_600_000;
const t0 = Math.floor((Date.now() - 3 * HOUR) / 1000) * 1000;
const range = `from=${encodeURIComponent(new Date(t0).toISOString())}&to=${encodeURIComponent(new Date(t0 + 2 * HOUR).toISOString())}`;

type Status = "accepted" | "duplicate";

/**
 * The answers a packing edge gives, worked out from the rule rather than from the code: within a
 * request an id seen earlier is a duplicate; the rest is grouped by type (one subject each); a
 * group of one is a message under the event's id, a larger group one message under its list of
 * ids; a message identical to one sent before is a duplicate, all of its events with it. Also
 * returns how many messages reached the stream.
 */
function packedAnswers(scenario: Scenario): { statuses: Status[][]; messages: number } {
  const sentBefore = new Set<string>();
  let generated = 0;
  const statuses = scenario.requests.map((request) => {
    const seen = new Set<string>();
    const out: Status[] = request.events.map(() => "accepted");
    const groups = new Map<string, { index: number; id: string }[]>();
    request.events.forEach((e, index) => {
      const id = typeof e.body["id"] === "string" ? e.body["id"] : `generated-${generated++}`;
      if (seen.has(id)) return void (out[index] = "duplicate");
      seen.add(id);
      const type = String(e.body["type"]);
      groups.set(type, [...(groups.get(type) ?? []), { index, id }]);
    });
    for (const [type, members] of groups) {
      const key = members.length === 1 ? `one:${members[0]?.id}` : `pack:${type}:${members.map((m) => m.id).join(",")}`;
      if (sentBefore.has(key)) for (const m of members) out[m.index] = "duplicate";
      sentBefore.add(key);
    }
    return out;
  });
  return { statuses, messages: sentBefore.size };
}

const statusesOf = (sent: readonly SentRequest[]) =>
  sent.map((s) => (s.body as { results: { status: Status }[] }).results.map((r) => r.status));

describe("packed messages: one per subject and request (real servers)", () => {
  let packed: Pipeline;
  let plain: Pipeline;
  let js: JetStreamProbe;
  let scenario: Scenario;
  let sentPacked: SentRequest[];
  let sentPlain: SentRequest[];

  beforeAll(async () => {
    const servers = { natsUrl: inject("natsUrl"), clickhouseUrl: inject("clickhouseUrl") };
    [packed, plain] = await Promise.all([
      startPipeline({ ...servers, env: { PLAYPULSE_PACK_EVENTS: "1" } }),
      startPipeline(servers),
    ]);
    js = await openJetStream(servers.natsUrl);
    scenario = buildScenario(t0);
    sentPacked = await sendScenario(packed, scenario);
    sentPlain = await sendScenario(plain, scenario);
    // A resend accepted again is stored again; the store holds each id once (and each edge its own server-made ids).
    const distinct = (sent: SentRequest[]) => {
      const { play, catalog } = acceptedIds(sent);
      return { play: [...new Set(play)], catalog: [...new Set(catalog)] };
    };
    await Promise.all([
      waitUntilStored(packed, js, distinct(sentPacked)),
      waitUntilStored(plain, js, distinct(sentPlain)),
    ]);
  }, 120_000);

  afterAll(async () => {
    await js?.close();
    await Promise.all([packed?.stop(), plain?.stop()]);
  });

  it("answers as the packing rule says, where the unpacked edge answers as scripted", () => {
    expect(sentPacked.map((s) => s.status)).toEqual(scenario.requests.map(() => 202));
    expect(statusesOf(sentPlain)).toEqual(scenario.requests.map((r) => r.events.map((e) => e.status)));
    const { statuses } = packedAnswers(scenario);
    expect(statusesOf(sentPacked)).toEqual(statuses);
    // The scenario's resends inside larger groups are what the packing edge no longer answers as duplicates.
    const reaccepted = statuses.flat().filter((s, i) => s !== scenario.requests.flatMap((r) => r.events)[i]?.status);
    expect(reaccepted.length).toBeGreaterThan(0);
  });

  it("stores one message per subject and request, each event of a pack on a line of its own", async () => {
    const { state } = await js.jsm.streams.info(packed.config.stream.name);
    const lines: string[] = [];
    let packs = 0;
    for (let seq = state.first_seq; seq <= state.last_seq; seq++) {
      const m = await js.jsm.streams.getMessage(packed.config.stream.name, { seq });
      if (!m) continue;
      const body = new TextDecoder().decode(m.data).split("\n");
      const count = m.header.get(PACK_HEADER);
      if (count) {
        packs++;
        expect({ seq, count: Number(count) }).toEqual({ seq, count: body.length });
        expect(body.length).toBeGreaterThan(1);
      } else expect(body).toHaveLength(1);
      for (const line of body) lines.push(String((JSON.parse(line) as { id: unknown }).id));
    }
    expect(state.messages).toBe(packedAnswers(scenario).messages);
    expect(packs).toBeGreaterThan(0);
    // Every event answered "accepted" travelled once, in one message, and nothing else did.
    const accepted = sentPacked.flatMap((s) =>
      (s.body as { results: { id: string; status: Status }[] }).results.filter((r) => r.status === "accepted"),
    );
    expect(lines.filter((id) => !id.startsWith("cat.")).length).toBeGreaterThan(0);
    expect(lines.length).toBe(accepted.length);
  });

  it("counts a pack's events in the consumers' batch metrics, where the unpacked pipeline counts one per message", async () => {
    /** The play messages in `p`'s stream, and the events they carry (a pack's lines). */
    const played = async (p: Pipeline) => {
      const { state } = await js.jsm.streams.info(p.config.stream.name);
      const play = `${subjectNames(p.ns).prefix}user.`;
      let [messages, events] = [0, 0];
      for (let seq = state.first_seq; seq <= state.last_seq; seq++) {
        const m = await js.jsm.streams.getMessage(p.config.stream.name, { seq });
        if (!m?.subject.startsWith(play)) continue;
        messages++;
        events += new TextDecoder().decode(m.data).split("\n").length;
      }
      return { messages, events };
    };
    const batchSums = async (p: Pipeline) => {
      const text = await (await fetch(`${p.baseUrl}/metrics`)).text();
      const sum = (what: string) =>
        Number(
          new RegExp(`^playpulse_consumer_batch_${what}_sum\\{consumer="analytics"\\} (\\S+)$`, "m").exec(text)?.[1],
        );
      return { messages: sum("messages"), events: sum("events") };
    };
    const [inPacked, inPlain] = await Promise.all([played(packed), played(plain)]);
    expect(inPacked.events).toBeGreaterThan(inPacked.messages);
    expect(inPlain.events).toBe(inPlain.messages);
    // The rows are visible a moment before the batch is reported; each message is delivered once.
    for (const [p, want] of [
      [packed, inPacked],
      [plain, inPlain],
    ] as const)
      await waitFor(async () => JSON.stringify(await batchSums(p)) === JSON.stringify(want), {
        timeoutMs: 10_000,
        intervalMs: 100,
        what: `analytics batch metrics equal to the stream's ${JSON.stringify(want)}`,
      });
  });

  const routes = [
    ...["m1", "m2", "m3", "m4", "m5", "m6", "never-played"].map((v) => `/v1/videos/${v}/stats?${range}`),
    `/v1/videos/top?by=views&${range}`,
    `/v1/videos/top?by=watch_time&${range}`,
    `/v1/experiments/${EXPERIMENT}?${range}`,
    `/v1/overview?${range}`,
    `/v1/breakdown?dimension=experiment_variant&${range}`,
  ];
  it.each(routes)("GET %s answers the same with packs as without", async (path) => {
    const [a, b] = await Promise.all([packed.get(path), plain.get(path)]);
    expect(a.status).toBe(200);
    expect(a).toEqual(b);
  });

  it.each(["u1", "u2", "u3", "u4"])("recommends the same titles to %s with packs as without", async (user) => {
    const [a, b] = await Promise.all([
      packed.get(`/v1/users/${user}/recommendations`),
      plain.get(`/v1/users/${user}/recommendations`),
    ]);
    // Trending scores move with the moment each server computed them; the rows and reasons must not.
    const rows = (r: { body: unknown }) =>
      (r.body as { items: { video_id: string; reason: string; score: number }[] }).items.map((i) => ({
        video_id: i.video_id,
        reason: i.reason,
        score: i.reason === "trending" ? "trending" : i.score,
      }));
    expect(a.status).toBe(200);
    expect(rows(a)).toEqual(rows(b));
    expect(rows(a).length).toBeGreaterThan(0);
  });
});

describe("packed messages past nats-server's max_payload (real servers)", () => {
  it("cuts a request's 1.5 MB of one type into packs of at most 256 KiB, and stores every event once", async () => {
    await using p = await startPipeline({
      natsUrl: inject("natsUrl"),
      clickhouseUrl: inject("clickhouseUrl"),
      env: {
        PLAYPULSE_PACK_EVENTS: "1",
        PLAYPULSE_MAX_BODY_BYTES: String(4 * 1024 * 1024),
        PLAYPULSE_MAX_BATCH_EVENTS: "2500",
      },
    });
    await using js = await openJetStream(inject("natsUrl"));
    // 2,500 heartbeats of one view with the longest ids: about 600 bytes each stored, 1.5 MB in
    // all, past the 1 MB max_payload of the test's nats-server (its default) for a single message.
    const long = (s: string) => s.padEnd(128, "x");
    const events = Array.from({ length: 2500 }, (_, i) => ({
      id: `big-${i}-`.padEnd(64, "x"), // ids are at most 64 characters
      type: "user.video.heartbeat",
      timestamp: new Date(Date.now() - 60_000 + i).toISOString(),
      user_id: long("big-user-"),
      view_id: long("big-view-"),
      video_id: long("big-video-"),
      position_ms: i * 10,
      played_ms: i * 10,
      rebuffer_ms: 0,
    }));
    const r = await p.send(events);
    expect(r.status).toBe(202);
    expect(r.body).toMatchObject({ accepted: 2500, duplicates: 0, rejected: 0 });
    const { state } = await js.jsm.streams.info(p.config.stream.name);
    const sizes: number[] = [];
    const counts: number[] = [];
    for (let seq = state.first_seq; seq <= state.last_seq; seq++) {
      const m = await js.jsm.streams.getMessage(p.config.stream.name, { seq });
      if (!m) continue;
      sizes.push(m.data.byteLength);
      counts.push(Number(m.header.get(PACK_HEADER)));
    }
    expect(sizes.reduce((a, b) => a + b, 0)).toBeGreaterThan(1024 * 1024);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(256 * 1024);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(2500);
    const stored = await waitFor(
      async () => {
        const [row] = await p.store.select<{ n: string }>(sql`SELECT uniqExact(id) AS n FROM ${p.store.db}.events`);
        return row?.n === "2500" ? row.n : undefined;
      },
      { timeoutMs: 30_000, what: "2,500 heartbeats in events" },
    );
    expect(stored).toBe("2500");
  }, 60_000);
});

describe("packed across requests: single events held while others are in flight (real servers)", () => {
  it("stores every event once, each row with its own request's trace, fewer messages than requests", async () => {
    // Tracing is off in tests (OTEL_SDK_DISABLED): the edge passes each client's traceparent on.
    await using p = await startPipeline({
      natsUrl: inject("natsUrl"),
      clickhouseUrl: inject("clickhouseUrl"),
      env: { PLAYPULSE_PACK_EVENTS: "1", PLAYPULSE_PACK_ACROSS_REQUESTS: "1" },
    });
    await using js = await openJetStream(inject("natsUrl"));
    const n = 80;
    const traceId = (i: number) => `${(i + 1).toString(16).padStart(8, "0")}${"c".repeat(24)}`;
    const sent = await Promise.all(
      Array.from({ length: n }, (_, i) =>
        p.send(
          {
            id: `across-${i}`,
            type: "user.video.heartbeat",
            timestamp: new Date(Date.now() - 60_000 + i).toISOString(),
            user_id: `u-${i % 7}`,
            view_id: `v-${i}`,
            video_id: "across",
            position_ms: 1000,
            played_ms: 1000 + i,
            rebuffer_ms: 0,
          },
          { headers: { traceparent: `00-${traceId(i)}-${"d".repeat(16)}-01` } },
        ),
      ),
    );
    expect(sent.map((s) => [s.status, (s.body as { accepted: number }).accepted])).toEqual(sent.map(() => [202, 1]));
    // The stream: each event on one line of one message; some messages carry several requests'.
    const { state } = await js.jsm.streams.info(p.config.stream.name);
    const lines: { id: string; trace: string }[] = [];
    for (let seq = state.first_seq; seq <= state.last_seq; seq++) {
      const m = await js.jsm.streams.getMessage(p.config.stream.name, { seq });
      if (!m) continue;
      const body = new TextDecoder().decode(m.data).split("\n");
      const traces = m.header.get(PACK_TRACES_HEADER);
      const each = traces ? traces.split(",") : body.map(() => m.header.get("traceparent"));
      body.forEach((line, i) =>
        lines.push({ id: String((JSON.parse(line) as { id: string }).id), trace: each[i]?.split("-")[1] ?? "" }),
      );
    }
    expect(state.messages).toBeLessThan(n);
    // The edge's metrics count what merging did: each carrier replaced the messages it carried.
    const metrics = await (await fetch(`${p.baseUrl}/metrics`)).text();
    const counter = (name: string) => Number(new RegExp(`^${name} (\\d+)$`, "m").exec(metrics)?.[1]);
    const [carriers, carried] = ["carriers", "messages"].map((k) => counter(`playpulse_publish_merged_${k}_total`));
    expect(carried).toBeGreaterThan(carriers ?? Infinity);
    expect(state.messages).toBe(n - (carried ?? 0) + (carriers ?? 0));
    const byId = (a: { id: string }, b: { id: string }) => a.id.localeCompare(b.id);
    const want = Array.from({ length: n }, (_, i) => ({ id: `across-${i}`, trace: traceId(i) })).sort(byId);
    expect(lines.sort(byId)).toEqual(want);
    // The rows: each event once in events and in rec_events, with the trace id of the request that sent it.
    for (const table of ["events", "rec_events"]) {
      const rows = await waitFor(
        async () => {
          const r = await p.store.select<{ id: string; trace: string }>(
            sql`SELECT id, trace_id AS trace FROM ${p.store.db}.${ident(table)} ORDER BY id`,
          );
          return r.length >= n ? r : undefined;
        },
        { timeoutMs: 30_000, what: `${n} heartbeats in ${table}` },
      );
      expect([...rows].sort(byId)).toEqual(want);
    }
  }, 60_000);
});
