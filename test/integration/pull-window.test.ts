/**
 * The consume loop's pull window (PULL_MAX_MESSAGES, src/bus/consume-loop.ts) against the real
 * nats-server: LARGE_PACKS, 75 MiB in all, more than nats-server queues for one connection
 * (`max_pending`, 64 MiB by default), drain in one delivery each while the consumer's event loop
 * is busy preparing them. With a pull of the whole backlog at once (the loop pulled up to three
 * batches' worth, 15,000 messages, before), this test times out: the server cuts the connection
 * off as a slow consumer ("Slow Consumer Detected: MaxPending of 67108864 Exceeded" in its log),
 * and the deliveries it dropped come back only after the ack wait.
 */
import { AckPolicy, DeliverPolicy, jetstream } from "@nats-io/jetstream";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { connectBus, PULL_MAX_MESSAGES, startConsumeLoop, type BusConnection } from "../../src/bus/index.ts";
import { createLogger } from "../../src/telemetry/logger.ts";
import { uniqueNamespace, waitFor } from "../helpers/index.ts";
import { openJetStream, type JetStreamProbe } from "../helpers/jetstream.ts";
import { busyRecordingHandler, LARGE_PACKS, publishLargePacks } from "../helpers/large-packs.ts";

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
    expect(PULL_MAX_MESSAGES * LARGE_PACKS.bytes).toBeLessThanOrEqual(32 * 1024 * 1024);
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
    await publishLargePacks(jetstream(bus.nc), `${ns}.play`);

    const { handler, writes } = busyRecordingHandler("packs");
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
});
