/**
 * `replay` over a stream of large packed messages (PLAYPULSE_PACK_EVENTS), against the real
 * nats-server: LARGE_PACKS (75 MiB, more than nats-server queues for one connection) are read in
 * fetches of the consume loop's window, each message once, while `prepare` keeps the event loop
 * busy, and written in batches that count events, as the consume loop's do. With fetches of
 * 5,000 messages (`--batch-size`, before), this replay read 34 of the 300 and reported success.
 */
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { replay } from "../../src/replay/index.ts";
import { uniqueNamespace } from "../helpers/index.ts";
import { busyRecordingHandler, LARGE_PACKS, publishLargePacks } from "../helpers/large-packs.ts";

const BATCH_EVENTS = 5000;

describe("replay of large packs (real nats-server)", () => {
  const ns = uniqueNamespace("replaypacks");
  const stream = `PP_${ns}`;
  let nc: NatsConnection;

  beforeAll(async () => {
    nc = await connect({ servers: inject("natsUrl") });
    await (await jetstreamManager(nc)).streams.add({ name: stream, subjects: [`${ns}.>`] });
    await publishLargePacks(jetstream(nc), `${ns}.play`);
  });

  afterAll(async () => {
    await (await jetstreamManager(nc)).streams.delete(stream).catch(() => undefined);
    await nc.close();
  });

  it("reads every pack once and writes batches of 5,000 events (50 packs of 100)", async () => {
    const { handler, writes } = busyRecordingHandler("packs");
    const report = await replay(nc, { stream, filter: `${ns}.>`, handler, from: { seq: 1 }, batchSize: BATCH_EVENTS });

    const n = LARGE_PACKS.messages;
    expect({ messages: report.messages, rows: report.rows, first: report.firstSeq, last: report.lastSeq }).toEqual({
      messages: n,
      rows: n,
      first: 1,
      last: n,
    });
    expect(report.skipped).toEqual({});
    const perBatch = BATCH_EVENTS / LARGE_PACKS.events;
    expect(writes.map((w) => w.length)).toEqual(Array<number>(n / perBatch).fill(perBatch));
    expect(writes.flat()).toEqual(Array.from({ length: n }, (_, i) => i + 1));
  });
});
