/**
 * The consume loop with two writes in flight (PLAYPULSE_WRITES_IN_FLIGHT, src/bus/consume-loop.ts)
 * against the real nats-server: two batches are written at once and never three, every message
 * is written and acked once, a failed write loses nothing while the other write finishes, and a
 * batch holding a subject the handler writes alone (an erasure request) overlaps no other write.
 *
 * The handler records its writes instead of storing rows, and a write holds until the next one
 * has begun (or no write can begin beside it: no message left, a write failed, or the next batch
 * may hold an `alone` subject), so the overlap is certain, not timing-bound.
 */
import { AckPolicy, DeliverPolicy, jetstream } from "@nats-io/jetstream";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  connectBus,
  ok,
  startConsumeLoop,
  type BusConnection,
  type ConsumerHandler,
  type MessageRows,
} from "../../src/bus/index.ts";
import { createLogger } from "../../src/telemetry/logger.ts";
import { uniqueNamespace, waitFor } from "../helpers/index.ts";
import { openJetStream, type JetStreamProbe } from "../helpers/jetstream.ts";

const BATCH = 50;

interface Write {
  n: number;
  seqs: number[];
  subjects: string[];
  /** Sequences written on a redelivery. */
  redelivered: number[];
  /** Writes in flight when this one began, itself included. */
  activeAtStart: number;
  /** Indexes in the shared log of this write's begin and end. */
  begin: number;
  end: number;
  failed: boolean;
}

/**
 * A handler that records each write of a stream whose sequences are 1..`total`. `failWrite`: write
 * n throws (after the next write began). `aloneEvery`: every such sequence is on a `.marker`
 * subject, which the handler writes alone.
 */
function recordingHandler(name: string, total: number, opts: { failWrite?: number; aloneEvery?: number } = {}) {
  const writes: Write[] = [];
  let log = 0;
  let active = 0;
  let begun = 0;
  let taken = 0;
  let failed = false;
  const every = opts.aloneEvery ?? 0;
  /** A marker among these sequences: this batch, or the most the next one can hold, is written alone. */
  const markerIn = (from: number, to: number) => every > 0 && Math.floor(to / every) > Math.floor((from - 1) / every);
  const waiting = new Set<() => void>();
  const wakeAll = () => [...waiting].forEach((w) => w());
  const handler: ConsumerHandler<number> = {
    name,
    prepare: (msg) => ok([msg.streamSeq]),
    async write<G extends MessageRows<number>>(batch: readonly G[]) {
      const w: Write = {
        n: ++begun,
        seqs: batch.map((g) => g.msg.streamSeq),
        subjects: batch.map((g) => g.msg.subject),
        redelivered: batch.filter((g) => g.msg.deliveryCount > 1).map((g) => g.msg.streamSeq),
        activeAtStart: ++active,
        begin: log++,
        end: -1,
        failed: false,
      };
      taken += batch.length;
      writes.push(w);
      wakeAll();
      // Hold until another write has begun, or until none can begin beside this one.
      const [first, last] = [Math.min(...w.seqs), Math.max(...w.seqs)];
      const nextMayBeAlone = markerIn(last + 1, last + BATCH);
      // A batch written alone holds 300 ms or until another write begins: if the loop did not keep
      // it alone, the next write would begin meanwhile (its messages are in hand) and overlap it.
      const alone = markerIn(first, last);
      await new Promise<void>((resolve) => {
        const t = alone ? setTimeout(() => done(), 300) : undefined;
        const done = () => {
          waiting.delete(check);
          clearTimeout(t);
          resolve();
        };
        const check = () => {
          if (begun > w.n || taken >= total || failed || (nextMayBeAlone && !alone)) done();
        };
        waiting.add(check);
        check();
      });
      active--;
      w.end = log++;
      if (w.n === opts.failWrite) {
        w.failed = failed = true;
        taken -= batch.length; // they come back
        wakeAll(); // the loop now lets the other write finish before it takes another batch
        throw new Error(`write ${w.n} fails on purpose`);
      }
      return [];
    },
    ...(every > 0 ? { alone: (s: string) => s.endsWith(".marker") } : {}),
  };
  return { handler, writes };
}

describe("two writes in flight per consumer (real nats-server)", () => {
  const ns = uniqueNamespace("inflight");
  let bus: BusConnection;
  let probe: JetStreamProbe;

  /** A stream of its own holds `total` messages (every `markEvery`-th on `.marker`); `handler` drains them with 2 writes in flight. */
  async function run(durable: string, handler: ConsumerHandler<number>, total: number, markEvery = 0) {
    const stream = `PP_${ns}_${durable}`;
    await probe.jsm.streams.add({ name: stream, subjects: [`${ns}.${durable}.>`] });
    await probe.jsm.consumers.add(stream, {
      durable_name: durable,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      filter_subject: `${ns}.${durable}.>`,
      max_ack_pending: BATCH * 4,
      ack_wait: 30_000_000_000,
    });
    const js = jetstream(bus.nc);
    for (let i = 1; i <= total; i++) {
      const marker = markEvery > 0 && i % markEvery === 0;
      await js.publish(`${ns}.${durable}.${marker ? "marker" : "play"}`, new Uint8Array([1]));
    }
    const loop = startConsumeLoop({
      bus,
      stream,
      handler,
      logger: createLogger("silent"),
      batchSize: BATCH,
      flushIntervalMs: 20,
      writesInFlight: 2,
      maxDeliver: 10,
      dlqSubject: (s) => `${ns}.dlq.${s}`,
    });
    await waitFor(() => probe.drained(stream, [durable]), {
      timeoutMs: 30_000,
      intervalMs: 50,
      what: `${durable} drained`,
    });
    expect(await loop.stop()).toEqual({ clean: true });
    const info = await probe.jsm.consumers.info(stream, durable);
    await probe.jsm.streams.delete(stream);
    return info;
  }

  const stored = (writes: readonly Write[]) =>
    writes
      .filter((w) => !w.failed)
      .flatMap((w) => w.seqs)
      .sort((a, b) => a - b);

  beforeAll(async () => {
    probe = await openJetStream(inject("natsUrl"));
    bus = await connectBus(inject("natsUrl"), "inflight-test", createLogger("silent"));
  });

  afterAll(async () => {
    await bus.close();
    await probe.close();
  });

  it("writes two batches at once, never three, and writes and acks every message once", async () => {
    const total = 400;
    const { handler, writes } = recordingHandler("plain", total);
    const info = await run("plain", handler, total);
    const seqs = stored(writes);
    expect(seqs).toEqual([...new Set(seqs)]);
    expect(seqs.length).toBe(total);
    expect(Math.max(...writes.map((w) => w.activeAtStart))).toBe(2);
    expect([info.num_pending, info.num_ack_pending, info.num_redelivered, info.delivered.consumer_seq]).toEqual([
      0,
      0,
      0,
      total,
    ]);
  });

  it("a failed write while another is in flight: its messages come back and are written once; nothing else is lost", async () => {
    const total = 300;
    const { handler, writes } = recordingHandler("failing", total, { failWrite: 2 });
    const info = await run("failing", handler, total);
    const failed = writes.filter((w) => w.failed);
    expect(failed.map((w) => w.n)).toEqual([2]);
    // The other write in flight when it failed finished and was acked.
    expect(writes.find((w) => w.n === 1)?.failed).toBe(false);
    const seqs = stored(writes);
    expect(seqs.length).toBe(total);
    expect(new Set(seqs).size).toBe(total);
    // Every message of the failed batch was written again, later, as a redelivery.
    const again = new Set(writes.filter((w) => w.n > 2 && !w.failed).flatMap((w) => w.redelivered));
    expect(failed[0]?.seqs.filter((s) => !again.has(s))).toEqual([]);
    // Write 1's messages were not redelivered: acked once, after their own write.
    expect(writes[0]?.seqs.filter((s) => again.has(s))).toEqual([]);
    expect([info.num_pending, info.num_ack_pending]).toEqual([0, 0]);
  });

  it("writes a batch holding an `alone` subject with no other write in flight", async () => {
    const total = 400;
    const { handler, writes } = recordingHandler("alone", total, { aloneEvery: 120 });
    await run("alone", handler, total, 120);
    expect(stored(writes).length).toBe(total);
    const withMarker = writes.filter((w) => w.subjects.some((s) => s.endsWith(".marker")));
    expect(withMarker.length).toBe(3);
    for (const m of withMarker) {
      const overlapping = writes.filter((w) => w !== m && w.begin < m.end && m.begin < w.end);
      expect({ write: m.n, overlapping: overlapping.map((w) => w.n) }).toEqual({ write: m.n, overlapping: [] });
    }
    // Without markers between them, the other batches still overlap.
    expect(Math.max(...writes.map((w) => w.activeAtStart))).toBe(2);
  });
});
