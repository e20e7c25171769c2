/**
 * The poison-row bisection (src/store/poison.ts) against the real ClickHouse: when the server refuses
 * a batch insert because of one row, every other row is stored once, only that row's message is
 * dead-lettered, and the batch is acked (never retried, never blocking what follows).
 *
 * No event reaches an insert that the real server refuses by itself any more: the validator (the
 * edge's, and the consumers' again) turns away the values we know ClickHouse 18.16 refuses (a lone
 * UTF-16 surrogate, a time before 1970). So the analytics consumer here writes through a store
 * standing for a gap the validator does not know of yet: it forwards every insert to the real
 * store, writing the row of a marked user as `"u\ud800"`. The real server then refuses the whole
 * insert with its own error (Code 25), exactly as it did before the validator knew that rule.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  connectBus,
  dlqStreamName,
  startConsumeLoop,
  type BusConnection,
  type ConsumeLoop,
} from "../../src/bus/index.ts";
import { analytics, type EventRow } from "../../src/consumers/analytics/index.ts";
import { createTableConsumer } from "../../src/consumers/table-consumer.ts";
import { readDeadLetters, type DeadLetter } from "../../src/dlq/index.ts";
import { clickhouseCode } from "../../src/store/index.ts";
import { subjectNames } from "../../src/events/index.ts";
import { sql, type Store } from "../../src/store/index.ts";
import { createLogger } from "../../src/telemetry/logger.ts";
import { startPipeline, waitFor, type Pipeline } from "../helpers/index.ts";
import { openJetStream, writeKeyMsgId, type JetStreamProbe } from "../helpers/jetstream.ts";

const TS = new Date(Date.now() - 3_600_000).toISOString();
/** Rows of this user are written so that ClickHouse refuses them. */
const MARKED = "marked-user";
const paused = (id: string, user_id = "u1") => ({
  id,
  type: "user.video.paused",
  timestamp: TS,
  user_id,
  view_id: `view-${id}`,
  video_id: "vid-poison",
  position_ms: 0,
});

interface InsertCall {
  ids: string[];
  /** The server's error, or "stored". */
  result: string;
}

/**
 * Forwards to `store`; while `on(ids)` (asked once per insert, with the ids of its rows), a marked
 * row goes in with a lone surrogate. Records every insert of `events`.
 */
function refusingStore(store: Store, on: (ids: string[]) => boolean) {
  const calls: InsertCall[] = [];
  const wrapped: Store = {
    ...store,
    async insert(table, rows) {
      const refuse = on(rows.map((r) => (r as EventRow).id));
      const sent = rows.map((r) => (refuse && (r as EventRow).user_id === MARKED ? { ...r, user_id: "u\ud800" } : r));
      try {
        await store.insert(table, sent);
        if (table === "events") calls.push({ ids: rows.map((r) => (r as EventRow).id), result: "stored" });
      } catch (err: unknown) {
        if (table === "events")
          calls.push({
            ids: rows.map((r) => (r as EventRow).id),
            result: err instanceof Error ? err.message : String(err),
          });
        throw err;
      }
    },
  };
  return { store: wrapped, calls };
}

describe("poison rows: ClickHouse refuses one row of a batch", () => {
  let p: Pipeline;
  let bus: BusConnection;
  let loop: ConsumeLoop;
  let probe: JetStreamProbe;
  let refusing = true;
  /** Rows whose next insert whole turns `refusing` off: the cause is fixed between two attempts, never during one. */
  let fixBefore: string | undefined;
  let stub: ReturnType<typeof refusingStore>;
  const dlqStream = () => dlqStreamName(p.config.stream.name);
  const storedIds = async () =>
    (
      await p.store.select<{ id: string }>(sql`SELECT id FROM ${{ ident: `${p.store.db.ident}.events` }} ORDER BY id`)
    ).map((r) => r.id);
  const deadLetters = async (): Promise<DeadLetter[]> => {
    const out: DeadLetter[] = [];
    for await (const d of readDeadLetters(bus.nc, { stream: dlqStream(), prefix: subjectNames(p.ns).prefix }))
      out.push(d);
    return out;
  };
  const analyticsInfo = () => probe.jsm.consumers.info(p.config.stream.name, "analytics");
  /** Starts the analytics consumer on the refusing store; what is already in the stream comes as one batch. */
  const startAnalytics = () => {
    const logger = createLogger("error");
    const subjects = subjectNames(p.ns);
    return startConsumeLoop({
      bus,
      stream: p.config.stream.name,
      handler: createTableConsumer(analytics, {
        store: stub.store,
      }),
      logger,
      batchSize: 100,
      flushIntervalMs: 200,
      maxDeliver: 3,
      dlqSubject: (s) => subjects.dlq("analytics", s),
    });
  };

  beforeAll(async () => {
    // Every role but analytics: the analytics consumer runs below, on the refusing store.
    p = await startPipeline({
      natsUrl: inject("natsUrl"),
      clickhouseUrl: inject("clickhouseUrl"),
      roles: ["ingest", "recommendations", "content"],
    });
    probe = await openJetStream(inject("natsUrl"));
    bus = await connectBus(inject("natsUrl"), "poison-test", createLogger("error"));
    stub = refusingStore(p.store, (ids) => {
      if (ids.join() === fixBefore) [refusing, fixBefore] = [false, undefined];
      return refusing;
    });

    // Ten events, two of them of the marked user, all in the stream before the consumer starts: one batch.
    const events = Array.from({ length: 10 }, (_, i) => paused(`row-${i}`, i === 3 || i === 8 ? MARKED : "u1"));
    expect((await p.send(events)).body).toMatchObject({ accepted: 10, rejected: 0 });
    loop = startAnalytics();
    await waitFor(
      async () =>
        (await probe.jsm.streams.info(dlqStream())).state.messages === 2 &&
        (await probe.drained(p.config.stream.name, ["analytics"])),
      {
        timeoutMs: 45_000,
        intervalMs: 200,
        what: "the batch stored and its two poison rows dead-lettered",
      },
    );
  }, 90_000);

  afterAll(async () => {
    await loop.stop();
    await bus.close();
    await probe.close();
    await p.stop();
  });

  it("stores every other row of the batch exactly once", async () => {
    expect(await storedIds()).toEqual(["row-0", "row-1", "row-2", "row-4", "row-5", "row-6", "row-7", "row-9"]);
  });

  it("bisects the one refused batch down to the two rows the server refuses alone", () => {
    const refused = (ids: string[]) => ({ ids, result: expect.stringMatching(/^Code: 25[,.] /) as unknown });
    const stored = (ids: string[]) => ({ ids, result: "stored" });
    const r = (...n: number[]) => n.map((i) => `row-${i}`);
    expect(stub.calls).toEqual([
      refused(r(0, 1, 2, 3, 4, 5, 6, 7, 8, 9)),
      refused(r(0, 1, 2, 3, 4)),
      stored(r(0, 1, 2)),
      refused(r(3, 4)),
      refused(r(3)),
      stored(r(4)),
      refused(r(5, 6, 7, 8, 9)),
      stored(r(5, 6, 7)),
      refused(r(8, 9)),
      refused(r(8)),
      stored(r(9)),
    ]);
  });

  it("dead-letters only the refused rows' messages, with the server's own error for each", async () => {
    const alone = (id: string) => stub.calls.find((c) => c.ids.length === 1 && c.ids[0] === id)?.result ?? "";
    for (const id of ["row-3", "row-8"]) {
      expect(clickhouseCode(new Error(alone(id)))).toBe(25);
      expect(alone(id)).toContain("Cannot parse escape sequence");
    }
    // A header value holds no line breaks (18.x errors end in one) and loses its trailing space.
    const header = (id: string) => `poison row: ClickHouse refused it: ${alone(id)}`.replace(/[\r\n]+/g, " ").trim();
    const got = (await deadLetters()).map((d) => [d.consumer, d.originalSubject, d.msgId, d.attempts, d.error]);
    expect(got).toEqual([
      ["analytics", `${p.ns}.user.video.paused`, writeKeyMsgId("row-3"), 1, header("row-3")],
      ["analytics", `${p.ns}.user.video.paused`, writeKeyMsgId("row-8"), 1, header("row-8")],
    ]);
  });

  it("acks the batch: nothing is redelivered, and the recommendations consumer (on the plain store) keeps all ten", async () => {
    const info = await analyticsInfo();
    expect([info.num_redelivered, info.num_pending, info.num_ack_pending, info.delivered.stream_seq]).toEqual([
      0, 0, 0, 10,
    ]);
    await waitFor(() => probe.drained(p.config.stream.name, ["recommendations"]), {
      timeoutMs: 30_000,
      intervalMs: 200,
      what: "recommendations drained",
    });
    const rec = await p.store.select<{ id: string }>(
      sql`SELECT id FROM ${{ ident: `${p.store.db.ident}.rec_events` }} ORDER BY id`,
    );
    expect(rec.map((x) => x.id)).toEqual(Array.from({ length: 10 }, (_, i) => `row-${i}`));
  });

  it("retries, never dead-letters, a batch whose every row is refused (the cause is not in the rows), and stores it once the cause is gone", async () => {
    const all = ["all-0", "all-1", "all-2"];
    // Stopped while they arrive, so that the three come as one batch (one refused row alone is poison).
    await loop.stop();
    expect((await p.send(all.map((id) => paused(id, MARKED)))).body).toMatchObject({ accepted: 3, rejected: 0 });
    loop = startAnalytics();
    const fullAttempts = () => stub.calls.filter((c) => c.ids.join() === all.join());
    await waitFor(() => fullAttempts().length >= 2, {
      timeoutMs: 30_000,
      intervalMs: 100,
      what: "the batch tried twice",
    });
    expect(fullAttempts().every((c) => clickhouseCode(new Error(c.result)) === 25)).toBe(true);
    expect((await deadLetters()).map((d) => d.msgId)).toEqual(["row-3", "row-8"].map((id) => writeKeyMsgId(id)));
    expect((await storedIds()).filter((id) => id.startsWith("all-"))).toEqual([]);

    // The cause is fixed (say, the column type put back) before the next attempt starts. Fixed in
    // the middle of one, the bisection would find the rows refused before the fix poison alone.
    fixBefore = all.join();
    await waitFor(
      async () =>
        (await storedIds()).filter((id) => id.startsWith("all-")).join() === all.join() &&
        (await probe.drained(p.config.stream.name, ["analytics"])),
      {
        timeoutMs: 45_000,
        intervalMs: 200,
        what: "the retried batch stored",
      },
    );
    expect(await storedIds()).toEqual([...all, "row-0", "row-1", "row-2", "row-4", "row-5", "row-6", "row-7", "row-9"]);
    expect((await deadLetters()).map((d) => d.msgId)).toEqual(["row-3", "row-8"].map((id) => writeKeyMsgId(id)));
    expect(fullAttempts().filter((c) => c.result === "stored")).toHaveLength(1);
  });
});
