/**
 * The consume loop's pull window (PULL_MAX_MESSAGES, src/bus/consume-loop.ts) against the real
 * nats-server: a backlog of large packed messages, 75 MiB in all, more than nats-server queues for
 * one connection (`max_pending`, 64 MiB by default), drains in one delivery each while the
 * consumer's event loop is busy preparing them. With a pull of the whole backlog at once (the
 * loop pulled up to three batches' worth, 15,000 messages, before), this test times out: the
 * server cuts the connection off as a slow consumer ("Slow Consumer Detected: MaxPending of
 * 67108864 Exceeded" in its log), and the deliveries it dropped come back only after the ack wait.
 */
import { AckPolicy, DeliverPolicy, jetstream } from "@nats-io/jetstream";
import { headers as natsHeaders } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  connectBus,
  ok,
  PULL_MAX_MESSAGES,
  startConsumeLoop,
  type BusConnection,
  type ConsumerHandler,
  type MessageRows,
} from "../../src/bus/index.ts";
import { PACK_HEADER } from "../../src/events/index.ts";
import { createLogger } from "../../src/telemetry/logger.ts";
import { uniqueNamespace, waitFor } from "../helpers/index.ts";
import { openJetStream, type JetStreamProbe } from "../helpers/jetstream.ts";

/** 300 messages of 256 KiB (PACK_MAX_BYTES, the largest pack the edge sends), each weighing 100 events. */
const MESSAGES = 300;
const SIZE = 256 * 1024;
const EVENTS_PER_MESSAGE = 100;
/** CPU each message takes to prepare, as reading a pack's few hundred events does: the client reads its socket less often. */
const PREPARE_MS = 5;
/** The durable's ack wait: the drain must finish well before a dropped delivery could come back. */
const ACK_WAIT_MS = 60_000;

describe("the consume loop's pull window (real nats-server)", () => {
  const ns = uniqueNamespace("pullwin");
  const stream = `PP_${ns}`;
  let bus: BusConnection;
  let probe: JetStreamProbe;

  beforeAll(async () => {
    probe = await openJetStream(inject("natsUrl"));
    bus = await connectBus(inject("natsUrl"), "pull-window-test", createLogger("silent"));
  });

  afterAll(async () => {
    await probe.jsm.streams.delete(stream).catch(() => undefined);
    await bus.close();
    await probe.close();
  });

  it("drains a backlog of packs larger than nats-server's per-connection buffer, each delivered once", async () => {
    expect(PULL_MAX_MESSAGES * SIZE).toBeLessThanOrEqual(32 * 1024 * 1024);
    await probe.jsm.streams.add({ name: stream, subjects: [`${ns}.>`] });
    await probe.jsm.consumers.add(stream, {
      durable_name: "packs",
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      filter_subject: `${ns}.>`,
      // As provisioned for PLAYPULSE_BATCH_SIZE=5000: room for four batches of messages.
      max_ack_pending: 20_000,
      ack_wait: ACK_WAIT_MS * 1_000_000,
    });
    const js = jetstream(bus.nc);
    const body = new Uint8Array(SIZE).fill(0x61);
    for (let i = 1; i <= MESSAGES; i++) {
      const h = natsHeaders();
      h.set(PACK_HEADER, String(EVENTS_PER_MESSAGE));
      await js.publish(`${ns}.play`, body, { headers: h });
    }

    const written: number[] = [];
    const handler: ConsumerHandler<number> = {
      name: "packs",
      prepare: (msg) => {
        const until = performance.now() + PREPARE_MS;
        // The event loop is busy, as when reading a real pack, so the socket is read less often.
        while (performance.now() < until) continue;
        return ok([msg.streamSeq]);
      },
      write<G extends MessageRows<number>>(batch: readonly G[]) {
        written.push(...batch.map((g) => g.msg.streamSeq));
        return Promise.resolve([]);
      },
    };
    const loop = startConsumeLoop({
      bus,
      stream,
      handler,
      logger: createLogger("silent"),
      batchSize: 5000,
      flushIntervalMs: 50,
      writesInFlight: 2,
      maxDeliver: 10,
      dlqSubject: (s) => `${ns}.dlq.${s}`,
    });
    await waitFor(() => probe.drained(stream, ["packs"]), {
      timeoutMs: ACK_WAIT_MS / 2,
      intervalMs: 50,
      what: "the packed backlog drained before the ack wait could redeliver anything",
    });
    expect(await loop.stop()).toEqual({ clean: true });

    const info = await probe.jsm.consumers.info(stream, "packs");
    expect([info.num_pending, info.num_ack_pending, info.num_redelivered, info.delivered.consumer_seq]).toEqual([
      0,
      0,
      0,
      MESSAGES,
    ]);
    expect([...written].sort((a, b) => a - b)).toEqual(Array.from({ length: MESSAGES }, (_, i) => i + 1));
  });
});
