/**
 * The consume loop's pull window (PULL_MAX_MESSAGES, src/bus/consume-loop.ts) against the real
 * nats-server: LARGE_PACKS, 75 MiB in all, more than nats-server queues for one connection
 * (`max_pending`, 64 MiB by default), drain in one delivery each while the consumer's event loop
 * is busy preparing them. With a pull of the whole backlog at once (the loop pulled up to three
 * batches' worth, 15,000 messages, before), this test times out: the server cuts the connection
 * off as a slow consumer ("Slow Consumer Detected: MaxPending of 67108864 Exceeded" in its log),
 * and the deliveries it dropped come back only after the ack wait.
 *
 * And the hold (HOLD_BATCHES): while a write is held, the loop stops reading its subscription once
 * the batcher holds two batches of events, so the server delivers at most one more pull. Before,
 * the loop took every message the durable's `max_ack_pending` allowed, and a packed backlog put
 * 200,000 events in one process's hands (docs/benchmarks.md#a-packed-backlog-the-pull-window).
 */
import { AckPolicy, DeliverPolicy, jetstream } from "@nats-io/jetstream";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  connectBus,
  HOLD_BATCHES,
  ok,
  PULL_MAX_MESSAGES,
  startConsumeLoop,
  type BusConnection,
  type ConsumerHandler,
  type MessageRows,
} from "../../src/bus/index.ts";
import { createLogger } from "../../src/telemetry/logger.ts";
import { uniqueNamespace, waitFor } from "../helpers/index.ts";
import { openJetStream, type JetStreamProbe } from "../helpers/jetstream.ts";
import { busyRecordingHandler, LARGE_PACKS, publishLargePacks } from "../helpers/large-packs.ts";

/** The durable's ack wait: the drain must finish well before a dropped delivery could come back. */
const ACK_WAIT_MS = 60_000;

describe("the consume loop's pull window (real nats-server)", () => {
  const ns = uniqueNamespace("pullwin");
  let bus: BusConnection;
  let probe: JetStreamProbe;

  /** A stream of its own (`name`) holding LARGE_PACKS, and its durable `name`. */
  async function backlog(name: string): Promise<string> {
    const stream = `PP_${ns}_${name}`;
    await probe.jsm.streams.add({ name: stream, subjects: [`${ns}.${name}.>`] });
    await probe.jsm.consumers.add(stream, {
      durable_name: name,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      filter_subject: `${ns}.${name}.>`,
      // As provisioned for PLAYPULSE_BATCH_SIZE=5000: room for four batches of messages.
      max_ack_pending: 20_000,
      ack_wait: ACK_WAIT_MS * 1_000_000,
    });
    await publishLargePacks(jetstream(bus.nc), `${ns}.${name}.play`);
    return stream;
  }

  const loopOf = (stream: string, handler: ConsumerHandler<number>, batchSize: number, writesInFlight: number) =>
    startConsumeLoop({
      bus,
      stream,
      handler,
      logger: createLogger("silent"),
      batchSize,
      flushIntervalMs: 50,
      writesInFlight,
      maxDeliver: 10,
      dlqSubject: (s) => `${ns}.dlq.${s}`,
    });

  beforeAll(async () => {
    probe = await openJetStream(inject("natsUrl"));
    bus = await connectBus(inject("natsUrl"), "pull-window-test", createLogger("silent"));
  });

  afterAll(async () => {
    for (const name of ["packs", "held"]) await probe.jsm.streams.delete(`PP_${ns}_${name}`).catch(() => undefined);
    await bus.close();
    await probe.close();
  });

  it("drains a backlog of packs larger than nats-server's per-connection buffer, each delivered once", async () => {
    expect(PULL_MAX_MESSAGES * LARGE_PACKS.bytes).toBeLessThanOrEqual(32 * 1024 * 1024);
    const stream = await backlog("packs");

    const { handler, writes } = busyRecordingHandler("packs");
    const loop = loopOf(stream, handler, 5000, 2);
    await waitFor(() => probe.drained(stream, ["packs"]), {
      timeoutMs: ACK_WAIT_MS / 2,
      intervalMs: 50,
      what: "the packed backlog drained before the ack wait could redeliver anything",
    });
    expect(await loop.stop()).toEqual({ clean: true });

    const n = LARGE_PACKS.messages;
    const info = await probe.jsm.consumers.info(stream, "packs");
    expect([info.num_pending, info.num_ack_pending, info.num_redelivered, info.delivered.consumer_seq]).toEqual([
      0,
      0,
      0,
      n,
    ]);
    expect(writes.flat().sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
  });

  it("stops reading while two batches of events are in hand: one more pull at most, then nothing until a batch is written", async () => {
    const stream = await backlog("held");
    const batch = 1000; // 10 packs of 100 events
    let release = () => {};
    const released = new Promise<void>((r) => (release = r));
    const written: number[] = [];
    let began = 0;
    const handler: ConsumerHandler<number> = {
      name: "held",
      prepare: (msg) => ok([msg.streamSeq]),
      async write<G extends MessageRows<number>>(rows: readonly G[]) {
        began++;
        await released;
        written.push(...rows.map((g) => g.msg.streamSeq));
        return [];
      },
    };
    const loop = loopOf(stream, handler, batch, 1);
    // The first write holds. Held means: no pull request waits on the server, and the deliveries
    // stay where they are for ten polls in a row. A loop that kept reading would keep a pull
    // waiting (at the end of the backlog, for more), so it never looks held.
    let last = -1;
    let steady = 0;
    const held = await waitFor(
      async () => {
        const info = await probe.jsm.consumers.info(stream, "held");
        const still = began === 1 && info.num_waiting === 0 && info.num_ack_pending === last;
        [last, steady] = [info.num_ack_pending, still ? steady + 1 : 0];
        return steady >= 10 ? info : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 50, what: "the loop to stop asking for messages while its write is held" },
    );
    const packs = (events: number) => events / LARGE_PACKS.events;
    const most = packs(batch) + packs(batch * HOLD_BATCHES) + 1 + PULL_MAX_MESSAGES;
    expect(held.num_ack_pending).toBeLessThanOrEqual(most);
    expect(held.num_pending).toBeGreaterThanOrEqual(LARGE_PACKS.messages - most);

    release();
    await waitFor(() => probe.drained(stream, ["held"]), { timeoutMs: 30_000, intervalMs: 50, what: "held drained" });
    expect(await loop.stop()).toEqual({ clean: true });
    const n = LARGE_PACKS.messages;
    const info = await probe.jsm.consumers.info(stream, "held");
    expect([info.num_redelivered, info.delivered.consumer_seq]).toEqual([0, n]);
    expect(written.sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
  });
});
