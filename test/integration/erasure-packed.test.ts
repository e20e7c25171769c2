/**
 * Erasure with PLAYPULSE_PACK_EVENTS (docs/erasure.md#packed-messages), against real NATS and
 * ClickHouse with every role: one request carries the events of the erased user A and of user B,
 * so the edge packs both users' events of a subject into one message. Erasing A must not take B's
 * events out of the stream: each mixed pack is republished without A, then deleted. Pipeline
 * `truth` gets B's events only. After the receipt says done: no message of the stream holds an
 * event of A; each event of B is in the stream exactly once (in the republished packs, or the
 * untouched one); every answer equals the truth's (B counted once), also after the raw tables
 * are emptied and rebuilt by a replay of the stream.
 */
import type { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { replayCommand } from "../../src/cli/replay.ts";
import { erasureIdOf } from "../../src/erasure/index.ts";
import { PACK_HEADER, packedEvents } from "../../src/events/index.ts";
import { createKey } from "../../src/keys/index.ts";
import { num, p as param, sql, type Store } from "../../src/store/index.ts";
import { answersOf, queryApiAt } from "../helpers/query-answers.ts";
import { startPipeline, waitFor, type Pipeline } from "../helpers/index.ts";
import { openJetStream, type JetStreamProbe } from "../helpers/jetstream.ts";

const admin = createKey("ops", ["admin"]);
const NOW = Date.now();
const HOUR = 3_600_000;
const t0 = NOW - 2 * HOUR;
const at = (ms: number) => new Date(t0 + ms).toISOString();
const range = `from=${encodeURIComponent(at(-HOUR))}&to=${encodeURIComponent(at(2 * HOUR))}`;
const PACK = { PLAYPULSE_PACK_EVENTS: "1", PLAYPULSE_KEYS: admin.line };

const A = `packed-a-${process.pid}-${NOW}`;
const B = `packed-b-${process.pid}-${NOW}`;

let n = 0;
const event = (user: string, type: string, dt: number, extra: Record<string, unknown>) => ({
  id: `e-${user}-${++n}`,
  type,
  timestamp: at(dt),
  user_id: user,
  view_id: `${user}-view`,
  video_id: "m1",
  position_ms: 0,
  ...extra,
});
/** One whole view of m1: requested, played, a heartbeat, completed. */
const view = (user: string, start: number) => [
  event(user, "user.video.play_requested", start, {}),
  event(user, "user.video.played", start + 500, { startup_ms: 500 }),
  event(user, "user.video.heartbeat", start + 20_500, { played_ms: 20_000, rebuffer_ms: 300 }),
  event(user, "user.video.completed", start + 40_500, { played_ms: 40_000, rebuffer_ms: 300 }),
];
// One request: four subjects whose packs hold both users, `paused` only A's, `seeked` only B's.
const eventsOfA = [...view(A, 0), event(A, "user.video.paused", 10_000, {}), event(A, "user.video.paused", 11_000, {})];
const eventsOfB = [
  ...view(B, 60_000),
  event(B, "user.video.seeked", 70_000, { from_ms: 1000, to_ms: 5000 }),
  event(B, "user.video.seeked", 71_000, { from_ms: 5000, to_ms: 9000 }),
];
const MIXED = ["play_requested", "played", "heartbeat", "completed"].map((t) => `user.video.${t}`);

const PATHS = [
  `/v1/videos/top?by=views&limit=100&${range}`,
  `/v1/videos/top?by=watch_time&limit=100&${range}`,
  `/v1/videos/m1/stats?${range}`,
  "/v1/trending?limit=100",
  `/v1/users/${B}/recommendations?limit=100`,
  `/v1/concurrency?${range}&step=1m`,
];

let a: Pipeline;
let truth: Pipeline;
let js: JetStreamProbe;
let apiA: Hono;
let apiTruth: Hono;

const queryApi = (pl: Pipeline) => queryApiAt(pl, NOW);

const answers = (api: Hono, pl: Pipeline) => answersOf(api, pl, PATHS);

/** Per table: [rows, distinct event ids] of `user`. */
async function stored(store: Store, user: string): Promise<Record<string, [number, number]>> {
  const out: Record<string, [number, number]> = {};
  for (const t of ["events", "rec_events"]) {
    const rows = await store.select<{ n: unknown; ids: unknown }>(
      sql`SELECT count() AS n, uniqExact(id) AS ids FROM ${{ ident: `${store.db.ident}.${t}` }} WHERE user_id = ${param.str(user)}`,
    );
    out[t] = [num(rows[0]?.n), num(rows[0]?.ids)];
  }
  return out;
}

/** One message of the stream, its events read line by line (a packed message holds several). */
interface Stored {
  seq: number;
  subject: string;
  msgId: string;
  pack: string | undefined;
  events: { id: string; user_id: string }[];
}

async function streamMessages(pl: Pipeline): Promise<Stored[]> {
  const stream = pl.config.stream.name;
  const { state } = await js.jsm.streams.info(stream);
  const out: Stored[] = [];
  for (let seq = state.first_seq; state.messages > 0 && seq <= state.last_seq; seq++) {
    const m = await js.jsm.streams.getMessage(stream, { seq });
    if (m === null) continue;
    const pack = m.header.get(PACK_HEADER) || undefined;
    const lines = pack === undefined ? [m.data] : packedEvents(m.data);
    const events = lines.map((l) => JSON.parse(new TextDecoder().decode(l)) as { id: string; user_id: string });
    out.push({ seq, subject: m.subject, msgId: m.header.get("Nats-Msg-Id"), pack, events });
  }
  return out;
}

/** Deletes every row of `events` and `rec_events` and waits for the mutations. */
async function emptyRawTables(store: Store): Promise<void> {
  for (const t of ["events", "rec_events"])
    await store.command(sql`ALTER TABLE ${{ ident: `${store.db.ident}.${t}` }} DELETE WHERE 1 = 1`);
  await waitFor(
    async () => {
      const rows = await store.select<{ n: unknown }>(
        sql`SELECT count() AS n FROM system.mutations WHERE database = ${param.str(store.db.ident)} AND is_done = 0`,
      );
      return num(rows[0]?.n) === 0;
    },
    { timeoutMs: 60_000, what: "the raw tables emptied" },
  );
}

const settled = (pl: Pipeline) =>
  waitFor(() => js.drained(pl.config.stream.name), { timeoutMs: 60_000, what: `every consumer of ${pl.ns} drained` });

beforeAll(async () => {
  const opts = { natsUrl: inject("natsUrl"), clickhouseUrl: inject("clickhouseUrl"), env: PACK };
  [a, truth] = await Promise.all([startPipeline(opts), startPipeline(opts)]);
  js = await openJetStream(inject("natsUrl"));
  apiA = queryApi(a);
  apiTruth = queryApi(truth);
  // Interleaved, in one request: each subject's events become one message.
  const both = eventsOfB.flatMap((e, i) => [eventsOfA[i], e]).filter((e) => e !== undefined);
  expect((await a.send(both)).status).toBe(202);
  expect((await truth.send(eventsOfB)).status).toBe(202);
  for (const [pl, user, count] of [
    [a, A, eventsOfA.length],
    [a, B, eventsOfB.length],
    [truth, B, eventsOfB.length],
  ] as const)
    await waitFor(async () => (await stored(pl.store, user)).events?.[1] === count, {
      timeoutMs: 60_000,
      what: `${count} events of ${user} stored in ${pl.ns}`,
    });
  await settled(a);
  await settled(truth);
}, 120_000);

afterAll(async () => {
  await js?.close();
  await Promise.all([a?.stop(), truth?.stop()]);
});

/** The stream's messages by subject (prefix off): the ids and users of their events. */
async function summary(pl: Pipeline) {
  const bySubject = (x: { subject: string }, y: { subject: string }) => x.subject.localeCompare(y.subject);
  return (await streamMessages(pl))
    .map((m) => ({
      seq: m.seq,
      subject: m.subject.slice(m.subject.indexOf("user.")),
      msgId: m.msgId,
      pack: m.pack,
      ids: m.events.map((e) => e.id),
      users: m.events.map((e) => e.user_id),
    }))
    .sort(bySubject);
}

const idsOf = (events: readonly { id: string; type: string }[], type: string) =>
  events.filter((e) => e.type === type).map((e) => e.id);

describe("erasure of a user whose events share packed messages with another user's", () => {
  it("packs both users' events of a subject into one message (the test is not vacuous)", async () => {
    expect((await summary(a)).map(({ subject, pack, users }) => ({ subject, pack, users }))).toEqual(
      [
        ...MIXED.map((subject) => ({ subject, pack: "2", users: [A, B] })),
        { subject: "user.video.paused", pack: "2", users: [A, A] },
        { subject: "user.video.seeked", pack: "2", users: [B, B] },
      ].sort((x, y) => x.subject.localeCompare(y.subject)),
    );
    expect(await answers(apiA, a)).not.toEqual(await answers(apiTruth, truth));
  });

  it("republishes each mixed pack without the erased user, then deletes it; the receipt says so", async () => {
    const before = await summary(a);
    const headers = { authorization: `Bearer ${admin.key}` };
    expect((await fetch(`${a.baseUrl}/v1/users/${A}`, { method: "DELETE", headers })).status).toBe(202);
    const done = await waitFor(
      async () => {
        const r = await fetch(`${a.baseUrl}/v1/erasures/${erasureIdOf(A)}`, { headers });
        const body = (await r.json()) as { state: string; stores: { store: string; detail: string }[] };
        return body.state === "done" ? body : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 250, what: "the erasure receipt says done" },
    );
    // The four mixed packs (republished without A first), A's own pack, and the request message.
    expect(done.stores.find((s) => s.store === "stream")?.detail).toBe(
      "6 messages removed, 4 of them packs republished without the user, 0 already gone",
    );
    await settled(a);

    const after = await summary(a);
    expect(after.filter((m) => m.users.includes(A))).toEqual([]);
    const seeked = before.find((m) => m.subject === "user.video.seeked");
    expect(after.map(({ seq: _seq, ...m }) => m)).toEqual(
      [
        ...MIXED.map((subject) => ({
          subject,
          msgId: `erasure:${erasureIdOf(A)}:${before.find((m) => m.subject === subject)?.seq}`,
          pack: "1",
          ids: idsOf(eventsOfB, subject),
          users: [B],
        })),
        // B's own pack is left as it was.
        { subject: "user.video.seeked", msgId: seeked?.msgId, pack: "2", ids: seeked?.ids, users: [B, B] },
      ].sort((x, y) => x.subject.localeCompare(y.subject)),
    );
    // Each event of B exactly once in the stream, the request message gone.
    expect(after.flatMap((m) => m.ids).sort()).toEqual(eventsOfB.map((e) => e.id).sort());
    expect(after.find((m) => m.seq === seeked?.seq)).toBeDefined();
    // The consumers stored B's events again from the copies (the store counts them once: below).
    const seqs = await a.store.select<{ s: unknown }>(
      sql`SELECT DISTINCT stream_seq AS s FROM ${a.store.db}.events WHERE user_id = ${param.str(B)}`,
    );
    expect(seqs.map((r) => num(r.s))).toEqual(expect.arrayContaining(after.map((m) => m.seq)));
  });

  it("has B's events counted once and none of A's, in ClickHouse and in every answer, also after a replay", async () => {
    expect(await stored(a.store, A)).toEqual({ events: [0, 0], rec_events: [0, 0] });
    expect((await stored(a.store, B)).events?.[1]).toBe(eventsOfB.length);
    expect(await answers(apiA, a)).toEqual(await answers(apiTruth, truth));

    // A replay rebuilds from the stream alone: the raw tables emptied first, B's events must all come back.
    await emptyRawTables(a.store);
    expect(await stored(a.store, B)).toEqual({ events: [0, 0], rec_events: [0, 0] });
    const code = await replayCommand(["--from", "1"], { env: a.env, out: () => {}, err: () => {}, tty: false });
    expect(code).toBe(0);
    expect(await stored(a.store, A)).toEqual({ events: [0, 0], rec_events: [0, 0] });
    expect((await stored(a.store, B)).events?.[1]).toBe(eventsOfB.length);
    expect(await answers(apiA, a)).toEqual(await answers(apiTruth, truth));
  });

  it("a later request with events of both users: the packs are republished without A as they are suppressed, B's events stored", async () => {
    // A second heartbeat of A: that pack carries two of A's events and one of B's.
    const lateA = [
      ...view(A, 400_000),
      event(A, "user.video.heartbeat", 430_500, { played_ms: 30_000, rebuffer_ms: 300 }),
    ];
    const lateB = view(B, 410_000);
    expect((await a.send([...lateB.flatMap((e, i) => [lateA[i], e]), lateA[4]])).status).toBe(202);
    expect((await truth.send(lateB)).status).toBe(202);
    const total = eventsOfB.length + lateB.length;
    for (const pl of [a, truth])
      await waitFor(async () => (await stored(pl.store, B)).events?.[1] === total, {
        timeoutMs: 60_000,
        what: `${total} events of B stored in ${pl.ns}`,
      });
    await settled(a);
    expect(await stored(a.store, A)).toEqual({ events: [0, 0], rec_events: [0, 0] });
    const after = await summary(a);
    expect(after.filter((m) => m.users.includes(A))).toEqual([]);
    expect(after.flatMap((m) => m.ids).sort()).toEqual([...eventsOfB, ...lateB].map((e) => e.id).sort());
    expect(await answers(apiA, a)).toEqual(await answers(apiTruth, truth));
    // Analytics read the four mixed packs (recommendations may find them already republished):
    // it counts A's five events, not the four messages, and not B's events in them.
    const text = await (await fetch(`${a.baseUrl}/metrics`)).text();
    expect(/^playpulse_erasure_suppressed_events_total\{consumer="analytics"\} (\S+)$/m.exec(text)?.[1]).toBe(
      String(lateA.length),
    );
  });
});
