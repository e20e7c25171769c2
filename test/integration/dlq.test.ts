/**
 * Dead letters end to end: poison of every kind goes to the dead-letter stream after bounded
 * retries without blocking the messages behind it, and `playpulse dlq list|show|purge` inspect
 * and remove it (a pack dead-lettered whole is shown as its events). Redrive after a fix is in
 * the second describe; rows ClickHouse itself refuses (the poison-row bisection) are in
 * poison.test.ts.
 */
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect, headers as natsHeaders, type NatsConnection } from "@nats-io/transport-node";
import type { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startConsumeLoop, dlqStreamName, connectBus } from "../../src/bus/index.ts";
import { dlqCommand } from "../../src/cli/dlq/index.ts";
import { analytics } from "../../src/consumers/analytics/index.ts";
import { createTableConsumer } from "../../src/consumers/table-consumer.ts";
import {
  encodeStoredEvent,
  PACK_HEADER,
  packLines,
  schemaRegistry,
  subjectNames,
  V1_SCHEMAS,
  type PlayEvent,
} from "../../src/events/index.ts";
import { CONSUMERS } from "../../src/consumers/registry.ts";
import { createQueryRoutes } from "../../src/query/index.ts";
import { sql } from "../../src/store/index.ts";
import { createLogger } from "../../src/telemetry/logger.ts";
import { startPipeline, waitFor, type Pipeline } from "../helpers/index.ts";
import { openJetStream, writeKeyMsgId } from "../helpers/jetstream.ts";

const HOUR = 3_600_000;
const NOW = Date.now();
const TS = new Date(NOW - HOUR).toISOString();
const view = (id: string, type: string, extra: Record<string, unknown> = {}) => ({
  id,
  type,
  timestamp: TS,
  user_id: "u1",
  view_id: `view-${id}`,
  video_id: "vid-dlq",
  position_ms: 0,
  ...extra,
});
const title = (id: string) =>
  ({
    id,
    type: "video.encoding.completed",
    schema_version: 1,
    timestamp: TS,
    video_id: `vid-${id}`,
    title: `Title ${id}`,
    duration_ms: 60_000,
    genres: ["drama"],
  }) as PlayEvent;
/** A pack's second line, cut short (an edge never sends one: published by hand). */
const CUT_LINE = '{"id":"cat-pack-2","type":"video.encoding.comp';
/** A pack of three catalog events (PLAYPULSE_PACK_EVENTS) whose second line is not JSON. */
const CAT_PACK = packLines([
  encodeStoredEvent(title("cat-pack-1"), NOW),
  new TextEncoder().encode(CUT_LINE),
  encodeStoredEvent(title("cat-pack-3"), NOW),
]);
/** The engine's own JSON.parse message for `text` (its wording changes between Node versions). */
const jsonError = (text: string): string => {
  try {
    JSON.parse(text);
    return "";
  } catch (err: unknown) {
    return err instanceof Error ? err.message : String(err);
  }
};

interface Run {
  code: number;
  out: string;
  err: string;
}

function cli(p: Pipeline, extra: { tty?: boolean; answer?: string } = {}) {
  return async (...args: string[]): Promise<Run> => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await dlqCommand(args, {
      env: p.env,
      out: (s) => out.push(s),
      err: (s) => err.push(s),
      tty: extra.tty ?? false,
      ask: (q) => {
        err.push(q);
        return Promise.resolve(extra.answer ?? "");
      },
    });
    return { code, out: out.join(""), err: err.join("") };
  };
}

const json = <T = Record<string, unknown>>(r: Run): T => JSON.parse(r.out) as T;

async function ids(p: Pipeline, table: "events" | "rec_events"): Promise<string[]> {
  const rows = await p.store.select<{ id: string }>(
    sql`SELECT DISTINCT id FROM ${{ ident: `${p.store.db.ident}.${table}` }} ORDER BY id`,
  );
  return rows.map((r) => r.id);
}

interface Entry {
  seq: number;
  consumer: string;
  subject: string;
  msg_id: string | null;
  attempts: number;
  error: string;
}

describe("dead letters: poison never blocks, list/show/purge", () => {
  let p: Pipeline;
  let nc: NatsConnection;
  let entries: Entry[];
  const dlq = () => cli(p);

  beforeAll(async () => {
    p = await startPipeline({
      natsUrl: inject("natsUrl"),
      clickhouseUrl: inject("clickhouseUrl"),
      env: { PLAYPULSE_MAX_DELIVER: "3" },
    });
    nc = await connect({ servers: inject("natsUrl") });
    const js = jetstream(nc);
    const subject = (type: string) => `${p.ns}.${type}`;
    const stored = (body: Record<string, unknown>) => JSON.stringify({ ...body, received_at: NOW });

    expect((await p.send([view("good-1", "user.video.play_requested")])).status).toBe(202);
    // Published behind the edge's back: bytes that are not JSON, a version from the future, a broken catalog entry.
    await js.publish(subject("user.video.played"), "not json", { msgID: "junk-1" });
    await js.publish(
      subject("user.video.heartbeat"),
      stored(view("hb-v9", "user.video.heartbeat", { schema_version: 9, played_ms: 1, stall_ms: 0 })),
      { msgID: "hb-v9" },
    );
    await js.publish(
      subject("video.encoding.completed"),
      stored({
        id: "cat-bad",
        type: "video.encoding.completed",
        timestamp: TS,
        video_id: "vid-dlq",
        title: "T",
        duration_ms: 1,
        genres: "drama",
      }),
      { msgID: "cat-bad" },
    );
    // A pack as the edge publishes it, with a line cut short: content dead-letters all of it.
    const pack = natsHeaders();
    pack.set(PACK_HEADER, "3");
    await js.publish(subject("video.encoding.completed"), CAT_PACK, { msgID: "cat-pack", headers: pack });
    // Values ClickHouse cannot store: a time before its DateTime starts, a lone UTF-16 surrogate it
    // refuses at insert time, a time after its DateTime ends. The edge rejects them at the door...
    const unstorable = [
      view("old-1969", "user.video.paused", { timestamp: "1969-07-20T20:17:00Z" }),
      view("surrogate-1", "user.video.paused", { user_id: "u\ud800" }),
      view("late-2106", "user.video.paused", { timestamp: "2106-02-07T06:28:16Z" }),
    ];
    const r = await p.send([...unstorable, view("good-2", "user.video.paused")]);
    expect(r).toMatchObject({ status: 202 });
    expect(r.body).toEqual({
      accepted: 1,
      duplicates: 0,
      rejected: 3,
      results: [
        { index: 0, id: "old-1969", status: "rejected", error: "timestamp: must not be before 1970-01-01T00:00:00Z" },
        {
          index: 1,
          id: "surrogate-1",
          status: "rejected",
          error: "user_id: contains an unpaired UTF-16 surrogate (not valid Unicode)",
        },
        {
          index: 2,
          id: "late-2106",
          status: "rejected",
          error: "timestamp: more than 24h in the future; check the client clock",
        },
        { index: 3, id: "good-2", status: "accepted" },
      ],
    });
    // ...but an older edge, or a hand-made publish, can still put them in the stream, normalised and
    // encoded as the edge does (JSON.stringify writes the lone surrogate as the escape \ud800).
    for (const e of unstorable) {
      const normalised = { ...e, schema_version: 1 } as unknown as PlayEvent; // what the validator would have returned
      await js.publish(subject(e.type), encodeStoredEvent(normalised, NOW), { msgID: e.id });
    }

    await waitFor(
      async () => {
        const [events, rec] = await Promise.all([ids(p, "events"), ids(p, "rec_events")]);
        const { state } = await jetstreamManagerInfo(nc, dlqStreamName(p.config.stream.name));
        if (events.join() === "good-1,good-2" && rec.join() === "good-1,good-2" && state.messages === 12) return true;
        // Thrown, so a timeout names what was seen last.
        throw new Error(
          `events [${events.join()}], rec_events [${rec.join()}], ${state.messages} dead letters; consumers: ${await consumerStates(nc, p)}`,
        );
      },
      { timeoutMs: 45_000, intervalMs: 200, what: "good events stored and 12 dead letters" },
    );
    const list = json<{ entries: Entry[] }>(await dlq()("list", "--json"));
    entries = list.entries.sort((a, b) => (a.consumer + a.msg_id < b.consumer + b.msg_id ? -1 : 1));
  }, 90_000);

  afterAll(async () => {
    await nc.close();
    await p.stop();
  });

  it("dead-letters each kind after its retries, with the consumer, subject, message id and attempts", () => {
    const gaveUp =
      "gave up after 3 attempts: unknown_version: schema_version: user.video.heartbeat v9 is newer than this consumer knows (latest v2); deploy a consumer that knows it, then redrive";
    const junk = `undecodable: body is not valid UTF-8 JSON: ${jsonError("not json")}`;
    const cutLine = `undecodable: body is not valid UTF-8 JSON: ${jsonError(CUT_LINE)}`;
    // The consumers re-validate with the edge's validator: the first two are invalid before ClickHouse sees them.
    const invalid1969 = "invalid: timestamp: must not be before 1970-01-01T00:00:00Z";
    const invalidSurrogate = "invalid: user_id: contains an unpaired UTF-16 surrogate (not valid Unicode)";
    // Consumers have no future limit (they read old messages); the reader's own range check stops this one.
    const invalid2106 =
      "invalid: timestamp: 2106-02-07T06:28:16Z is outside the storable range 1970-01-01T00:00:00Z to 2106-02-07T06:28:15Z";
    expect(entries.map((e) => [e.consumer, e.subject, e.msg_id, e.attempts, e.error])).toEqual([
      ["analytics", "user.video.heartbeat", "hb-v9", 3, gaveUp],
      ["analytics", "user.video.played", "junk-1", 1, junk],
      ["analytics", "user.video.paused", "late-2106", 1, invalid2106],
      ["analytics", "user.video.paused", "old-1969", 1, invalid1969],
      ["analytics", "user.video.paused", "surrogate-1", 1, invalidSurrogate],
      [
        "content",
        "video.encoding.completed",
        "cat-bad",
        1,
        "invalid: genres: must be an array of at most 16 strings of 1-64 characters, got a string",
      ],
      ["content", "video.encoding.completed", "cat-pack", 1, cutLine],
      ["recommendations", "user.video.heartbeat", "hb-v9", 3, gaveUp],
      ["recommendations", "user.video.played", "junk-1", 1, junk],
      ["recommendations", "user.video.paused", "late-2106", 1, invalid2106],
      ["recommendations", "user.video.paused", "old-1969", 1, invalid1969],
      ["recommendations", "user.video.paused", "surrogate-1", 1, invalidSurrogate],
    ]);
  });

  it("list counts by consumer, event type and error, and filters", async () => {
    const all = json(await dlq()("list", "--json"));
    expect([all.total, all.by_consumer, all.by_subject]).toEqual([
      12,
      { analytics: 5, recommendations: 5, content: 2 },
      { "user.video.paused": 6, "user.video.heartbeat": 2, "user.video.played": 2, "video.encoding.completed": 2 },
    ]);
    expect(Object.values(all.by_error as Record<string, number>).sort()).toEqual([1, 1, 2, 2, 2, 2, 2]);
    // A pack counts its events; every other message one.
    const events = (all.entries as { msg_id: string; events: number }[]).map((e) => [e.msg_id, e.events]);
    expect(events.filter(([, n]) => n !== 1)).toEqual([["cat-pack", 3]]);

    const some = json<{ total: number; entries: Entry[] }>(
      await dlq()("list", "--consumer", "analytics", "--subject", "user.video.*", "--error", "invalid", "--json"),
    );
    expect([some.total, some.entries.map((e) => e.msg_id).sort()]).toEqual([
      3,
      ["late-2106", "old-1969", "surrogate-1"],
    ]);
    const surrogates = json<{ total: number; entries: Entry[] }>(
      await dlq()("list", "--error", "unpaired UTF-16 surrogate", "--json"),
    );
    expect([surrogates.total, surrogates.entries.map((e) => `${e.consumer}/${e.msg_id}`).sort()]).toEqual([
      2,
      ["analytics/surrogate-1", "recommendations/surrogate-1"],
    ]);

    const text = await dlq()("list", "--consumer", "content");
    expect(text.code).toBe(0);
    expect(text.out).toContain(
      `dead letters: 2 (stream ${dlqStreamName(p.config.stream.name)})\nby consumer:\n  2  content\n`,
    );
    expect(text.out).toMatch(/\nSEQ\s+DEAD-LETTERED\s+CONSUMER\s+EVENT TYPE\s+EVENTS\s+ATTEMPTS\s+MSG ID\s+ERROR\n/);
    expect(text.out).toMatch(
      /\n\d+\s+\S+Z\s+content\s+video\.encoding\.completed\s+1\s+1\s+cat-bad\s+invalid: genres: must be/,
    );
    expect(text.out).toMatch(
      /\n\d+\s+\S+Z\s+content\s+video\.encoding\.completed\s+3\s+1\s+cat-pack\s+undecodable: body is not valid/,
    );
  });

  it("show prints the original payload, headers and error", async () => {
    const e = entries.find((x) => x.consumer === "analytics" && x.msg_id === "hb-v9");
    const r = await dlq()("show", String(e?.seq), "--json");
    expect(r.code).toBe(0);
    const shown = json(r);
    expect(shown).toMatchObject({
      seq: e?.seq,
      consumer: "analytics",
      subject: "user.video.heartbeat",
      original_subject: `${p.ns}.user.video.heartbeat`,
      msg_id: "hb-v9",
      attempts: 3,
      payload: {
        encoding: "json",
        value: {
          ...view("hb-v9", "user.video.heartbeat", { schema_version: 9, played_ms: 1, stall_ms: 0 }),
          received_at: NOW,
        },
      },
      headers: {
        "Playpulse-Dlq-Consumer": ["analytics"],
        "Playpulse-Dlq-Attempts": ["3"],
        "Playpulse-Dlq-Subject": [`${p.ns}.user.video.heartbeat`],
        "Playpulse-Dlq-Msg-Id": ["hb-v9"],
      },
    });
    const junk = entries.find((x) => x.consumer === "analytics" && x.msg_id === "junk-1");
    expect(json(await dlq()("show", String(junk?.seq), "--json")).payload).toEqual({
      encoding: "utf8",
      value: "not json",
      bytes: 8,
    });
    // The payload is kept as published: the lone surrogate comes back from its JSON escape as it was sent.
    const surrogate = entries.find((x) => x.consumer === "recommendations" && x.msg_id === "surrogate-1");
    const sent = { ...view("surrogate-1", "user.video.paused", { user_id: "u\ud800" }), schema_version: 1 };
    expect(json(await dlq()("show", String(surrogate?.seq), "--json")).payload).toEqual({
      encoding: "json",
      value: { ...sent, received_at: NOW },
      bytes: encodeStoredEvent(sent as unknown as PlayEvent, NOW).byteLength,
    });
    expect(await dlq()("show", "999999")).toEqual({
      code: 1,
      out: "",
      err: `playpulse dlq: no dead letter 999999 in ${dlqStreamName(p.config.stream.name)}\n`,
    });
  });

  it("show prints a dead-lettered pack as its events, the line that is not JSON as text", async () => {
    const e = entries.find((x) => x.msg_id === "cat-pack");
    const stored = (id: string) => ({ ...title(id), received_at: NOW });
    const r = await dlq()("show", String(e?.seq), "--json");
    expect([r.code, r.err]).toEqual([0, ""]);
    const shown = json<{ headers: Record<string, string[]>; dead_lettered_at: string; original_seq: number }>(r);
    expect(shown).toMatchObject({
      seq: e?.seq,
      consumer: "content",
      subject: "video.encoding.completed",
      msg_id: "cat-pack",
      events: 3,
      headers: { "Playpulse-Pack": ["3"], "Playpulse-Dlq-Consumer": ["content"], "Playpulse-Dlq-Msg-Id": ["cat-pack"] },
      payload: {
        encoding: "pack",
        events: [
          { encoding: "json", value: stored("cat-pack-1") },
          { encoding: "utf8", value: CUT_LINE },
          { encoding: "json", value: stored("cat-pack-3") },
        ],
        bytes: CAT_PACK.byteLength,
      },
    });
    expect(Object.keys(json<{ payload: object }>(r).payload)).toEqual(["encoding", "events", "bytes"]);

    const headerLines = Object.entries(shown.headers).flatMap(([k, vs]) => vs.map((v) => `  ${k}: ${v}`));
    expect(await dlq()("show", String(e?.seq))).toEqual({
      code: 0,
      out: [
        `dead letter ${e?.seq} (stream ${dlqStreamName(p.config.stream.name)})`,
        "consumer:        content",
        `subject:         ${p.ns}.video.encoding.completed (stream sequence ${shown.original_seq})`,
        "message id:      cat-pack",
        "attempts:        1",
        `dead-lettered:   ${shown.dead_lettered_at}`,
        `error:           undecodable: body is not valid UTF-8 JSON: ${jsonError(CUT_LINE)}`,
        "headers:",
        ...headerLines,
        `payload (pack of 3 events, ${CAT_PACK.byteLength} bytes):`,
        "event 1 (json):",
        JSON.stringify(stored("cat-pack-1"), null, 2),
        "event 2 (utf8):",
        CUT_LINE,
        "event 3 (json):",
        JSON.stringify(stored("cat-pack-3"), null, 2),
        "",
      ].join("\n"),
      err: "",
    });
  });

  it("says to migrate, with exit status 2, when the dead-letter stream does not exist", async () => {
    const stream = `${p.config.stream.name}_NONE`;
    const missing = (what: string) => `playpulse dlq: ${what} not found (run "playpulse migrate")\n`;
    for (const [verb, err] of [
      ["list", missing(`dead-letter stream ${stream}_DLQ`)],
      ["purge", missing(`dead-letter stream ${stream}_DLQ`)],
      // A redrive publishes into the events stream, so it checks that one first.
      ["redrive", missing(`stream ${stream}`)],
    ]) {
      const out: string[] = [];
      const errs: string[] = [];
      const code = await dlqCommand([verb ?? "", ...(verb === "purge" ? ["--all", "--yes"] : [])], {
        env: { ...p.env, PLAYPULSE_STREAM: stream },
        out: (x) => out.push(x),
        err: (x) => errs.push(x),
        tty: false,
      });
      expect({ code, out: out.join(""), err: errs.join("") }).toEqual({ code: 2, out: "", err });
    }
  });

  it("purge asks first, then removes exactly what matches", async () => {
    const stream = dlqStreamName(p.config.stream.name);
    expect(await dlq()("purge", "--consumer", "recommendations")).toEqual({
      code: 2,
      out: "",
      err: `playpulse dlq purge: would remove 5 dead letters matching ${p.ns}.dlq.recommendations.>; run again with --yes to remove them\n`,
    });
    expect(await cli(p, { tty: true, answer: "n" })("purge", "--consumer", "recommendations")).toEqual({
      code: 2,
      out: "",
      err: `Remove 5 dead letters matching ${p.ns}.dlq.recommendations.>? This cannot be undone. [y/N] not purged\n`,
    });
    expect(await dlq()("purge")).toMatchObject({
      code: 2,
      err: "playpulse dlq: purge needs a filter (--consumer, --subject, --error, --seq) or --all\n",
    });
    expect(json(await cli(p, { tty: true, answer: "y" })("purge", "--consumer", "recommendations", "--json"))).toEqual({
      purged: 5,
    });
    // The undecodable ones left: analytics' junk-1 and content's pack.
    expect(json(await dlq()("purge", "--error", "undecodable", "--yes", "--json"))).toEqual({ purged: 2 });
    expect(json(await dlq()("list", "--json")).by_consumer).toEqual({ analytics: 4, content: 1 });
    expect(await dlq()("purge", "--all", "--yes")).toEqual({ code: 0, out: "purged: 5\n", err: "" });
    expect(json(await dlq()("list", "--json")).total).toBe(0);
    expect((await jetstreamManagerInfo(nc, stream)).state.messages).toBe(0);
    expect(await dlq()("purge", "--all", "--yes")).toEqual({
      code: 0,
      out: "nothing to purge: no dead letter matches\n",
      err: "",
    });
  });
});

describe("dead letters: redrive after a fix (a rolling deploy)", () => {
  /**
   * The edge and the recommendations consumer know heartbeat v2; the analytics consumer still
   * runs the old code (v1 only), retries the v2 heartbeats 3 times and dead-letters them. After
   * the new analytics consumer is deployed, a redrive stores them, and nothing counts twice.
   */
  async function rollingDeploy(env: Record<string, string>) {
    const p = await startPipeline({
      natsUrl: inject("natsUrl"),
      clickhouseUrl: inject("clickhouseUrl"),
      roles: ["ingest", "recommendations", "content"],
      env: { PLAYPULSE_MAX_DELIVER: "3", ...env },
    });
    const logger = createLogger("error");
    const bus = await connectBus(inject("natsUrl"), "old-analytics", logger);
    const subjects = subjectNames(p.ns);
    const old = startConsumeLoop({
      bus,
      stream: p.config.stream.name,
      handler: createTableConsumer(analytics, {
        store: p.store,
        registry: schemaRegistry(V1_SCHEMAS),
        upcasters: [],
      }),
      logger,
      batchSize: 100,
      flushIntervalMs: 200,
      maxDeliver: 3,
      dlqSubject: (s) => subjects.dlq("analytics", s),
    });
    const events = [
      view("rq-a", "user.video.play_requested", { view_id: "va" }),
      view("pl-a", "user.video.played", { view_id: "va", startup_ms: 800 }),
      view("hb-a", "user.video.heartbeat", { view_id: "va", schema_version: 2, played_ms: 40_000, stall_ms: 900 }),
      view("rq-b", "user.video.play_requested", { view_id: "vb", user_id: "u2" }),
      view("pl-b", "user.video.played", { view_id: "vb", user_id: "u2", startup_ms: 1000 }),
      view("hb-b", "user.video.heartbeat", { view_id: "vb", user_id: "u2", played_ms: 20_000, rebuffer_ms: 100 }),
    ];
    expect((await p.send(events)).body).toMatchObject({ accepted: 6 });
    const dlqStream = dlqStreamName(p.config.stream.name);
    const probe = await openJetStream(inject("natsUrl"));
    await waitFor(
      async () =>
        (await probe.jsm.streams.info(dlqStream)).state.messages === 1 &&
        (await probe.drained(p.config.stream.name, ["recommendations"])),
      {
        timeoutMs: 45_000,
        intervalMs: 200,
        what: "the v2 heartbeat dead-lettered by the old analytics consumer",
      },
    );
    await old.stop();
    await bus.close();
    // Deploy the new analytics consumer (every role of this process knows v2 now).
    const next = await startPipeline({
      natsUrl: inject("natsUrl"),
      clickhouseUrl: inject("clickhouseUrl"),
      roles: ["analytics"],
      ns: p.ns,
      env: p.env,
    });
    await waitFor(async () => (await ids(p, "events")).join() === "hb-b,pl-a,pl-b,rq-a,rq-b", {
      timeoutMs: 30_000,
      intervalMs: 200,
      what: "the other events in events",
    });
    const api: Hono = createQueryRoutes({
      store: p.store,
      keys: p.config.keys,
      trendingHalfLifeHours: 1,
      consumers: CONSUMERS,
      now: () => NOW,
    });
    const answer = async (path: string) =>
      (await api.request(path, { headers: { authorization: `Bearer ${p.readKey}` } })).json();
    const range = `from=${encodeURIComponent(new Date(NOW - 2 * HOUR).toISOString())}&to=${encodeURIComponent(new Date(NOW).toISOString())}`;
    return {
      p,
      probe,
      dlqStream,
      stats: () => answer(`/v1/videos/vid-dlq/stats?${range}`),
      trending: () => answer("/v1/trending"),
      async stop() {
        await probe.close();
        await next.stop();
        await p.stop();
      },
    };
  }

  it("holds back what is still inside the duplicate window; --fresh-id redrives it, and nothing counts twice", async () => {
    const d = await rollingDeploy({});
    try {
      const dlq = cli(d.p);
      const trendingBefore = await d.trending();
      // Before the redrive, view a lacks its heartbeat: watch time is view b's 20 s only.
      expect(await d.stats()).toMatchObject({
        views: 2,
        plays: 2,
        watch_time_ms: 20_000,
        rebuffer_ratio: 100 / 20_100,
      });

      const [entry] = json<{ entries: Entry[] }>(await dlq("list", "--json")).entries;
      const original = await d.probe.jsm.streams.getMessage(d.p.config.stream.name, {
        seq: json(await dlq("show", String(entry?.seq), "--json")).original_seq as number,
      });
      const held = await dlq("redrive", "--consumer", "analytics", "--json");
      expect([held.code, json(held)]).toEqual([
        3,
        {
          redriven: 0,
          already_redriven: 0,
          held_back: [
            {
              seq: entry?.seq,
              msgId: writeKeyMsgId("hb-a"),
              until: new Date((original?.time.getTime() ?? 0) + 600_000).toISOString(),
            },
          ],
          failed: [],
        },
      ]);
      expect(json(await dlq("list", "--json")).total).toBe(1);

      const sent = await dlq("redrive", "--consumer", "analytics", "--fresh-id");
      expect(sent).toEqual({
        code: 0,
        out: "redriven: 1\nalready redriven before (removed now): 0\nheld back: 0\nfailed: 0\n",
        err: "",
      });
      expect(json(await dlq("list", "--json")).total).toBe(0);
      await waitFor(
        async () => (await ids(d.p, "events")).includes("hb-a") && (await d.probe.drained(d.p.config.stream.name)),
        { timeoutMs: 30_000, intervalMs: 200, what: "hb-a stored" },
      );

      // Stored once by analytics now; recommendations stored it a second time and still counts it once.
      expect(await d.stats()).toMatchObject({
        views: 2,
        plays: 2,
        watch_time_ms: 60_000,
        rebuffer_ratio: 1000 / 61_000,
      });
      expect(await d.trending()).toEqual(trendingBefore);
      const [redriven] = (await d.probe.messages(d.p.config.stream.name)).filter(
        (m) => m.msgId === `hb-a:redrive:${entry?.seq}`,
      );
      expect(redriven?.body).toMatchObject({ id: "hb-a", schema_version: 2, stall_ms: 900 });
      expect(await dlq("redrive")).toMatchObject({
        code: 0,
        out: "redriven: 0\nalready redriven before (removed now): 0\nheld back: 0\nfailed: 0\n",
      });
    } finally {
      await d.stop();
    }
  });

  it("redrives with the original message id once the duplicate window has passed", async () => {
    const d = await rollingDeploy({ PLAYPULSE_DUPLICATE_WINDOW_SECONDS: "1" });
    try {
      const dlq = cli(d.p);
      const [entry] = json<{ entries: Entry[] }>(await dlq("list", "--json")).entries;
      // The window is 1 s: poll until JetStream has forgotten the id (a held-back redrive changes nothing).
      const r = await waitFor(
        async () => {
          const run = await dlq("redrive", "--json");
          return run.code === 0 ? json(run) : undefined;
        },
        { timeoutMs: 20_000, intervalMs: 250, what: "the redrive going through" },
      );
      expect(r).toEqual({ redriven: 1, already_redriven: 0, held_back: [], failed: [] });
      const copies = (await d.probe.messages(d.p.config.stream.name)).filter((m) => m.body.id === "hb-a");
      expect(copies.map((m) => m.msgId)).toEqual(["hb-a", "hb-a"]);
      const last = await d.probe.jsm.streams.getMessage(d.p.config.stream.name, { seq: copies[1]?.seq ?? 0 });
      expect(last?.header.get("Playpulse-Redriven-From")).toBe(`${d.dlqStream}:${entry?.seq}`);
      await waitFor(async () => (await ids(d.p, "events")).includes("hb-a"), {
        timeoutMs: 30_000,
        intervalMs: 200,
        what: "hb-a stored",
      });
      expect(await d.stats()).toMatchObject({ views: 2, watch_time_ms: 60_000 });
    } finally {
      await d.stop();
    }
  });
});

async function jetstreamManagerInfo(nc: NatsConnection, stream: string) {
  return (await jetstreamManager(nc)).streams.info(stream);
}

/** Each durable's pending, in-flight and redelivered counts, for a failed wait's message. */
async function consumerStates(nc: NatsConnection, p: Pipeline): Promise<string> {
  const jsm = await jetstreamManager(nc);
  const parts: string[] = [];
  for (const name of ["analytics", "recommendations", "content"]) {
    const ci = await jsm.consumers.info(p.config.stream.name, name);
    parts.push(
      `${name} pending=${ci.num_pending} ack_pending=${ci.num_ack_pending} redelivered=${ci.num_redelivered} waiting=${ci.num_waiting}`,
    );
  }
  return parts.join("; ");
}
