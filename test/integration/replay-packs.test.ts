/**
 * `replay` over a stream of large packed messages (PLAYPULSE_PACK_EVENTS), against the real
 * nats-server: 300 packs of 256 KiB (75 MiB, more than nats-server queues for one connection) are
 * read in fetches of the consume loop's window, each message once, and written in batches that
 * count events, as the consume loop's do. The handler's `prepare` keeps the event loop busy 5 ms
 * per message, as reading a real pack's events does, so the client reads its socket seldom.
 */
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect, headers as natsHeaders, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { ok, type ConsumerHandler, type MessageRows } from "../../src/bus/index.ts";
import { PACK_HEADER } from "../../src/events/index.ts";
import { replay } from "../../src/replay/index.ts";
import { uniqueNamespace } from "../helpers/index.ts";

const MESSAGES = 300;
const SIZE = 256 * 1024;
const EVENTS_PER_MESSAGE = 100;
const BATCH_EVENTS = 5000;
const PREPARE_MS = 5;

describe("replay of large packs (real nats-server)", () => {
  const ns = uniqueNamespace("replaypacks");
  const stream = `PP_${ns}`;
  let nc: NatsConnection;

  beforeAll(async () => {
    nc = await connect({ servers: inject("natsUrl") });
    await (await jetstreamManager(nc)).streams.add({ name: stream, subjects: [`${ns}.>`] });
    const js = jetstream(nc);
    const body = new Uint8Array(SIZE).fill(0x61);
    for (let i = 1; i <= MESSAGES; i++) {
      const h = natsHeaders();
      h.set(PACK_HEADER, String(EVENTS_PER_MESSAGE));
      await js.publish(`${ns}.play`, body, { headers: h });
    }
  });

  afterAll(async () => {
    await (await jetstreamManager(nc)).streams.delete(stream).catch(() => undefined);
    await nc.close();
  });

  it("reads every pack once and writes batches of 5,000 events (50 packs of 100)", async () => {
    const writes: number[][] = [];
    const handler: ConsumerHandler<number> = {
      name: "packs",
      prepare: (msg) => {
        const until = performance.now() + PREPARE_MS;
        // The event loop is busy, as when reading a real pack, so the socket is read less often.
        while (performance.now() < until) continue;
        return ok([msg.streamSeq]);
      },
      write<G extends MessageRows<number>>(batch: readonly G[]) {
        writes.push(batch.map((g) => g.msg.streamSeq));
        return Promise.resolve([]);
      },
    };
    const report = await replay(nc, { stream, filter: `${ns}.>`, handler, from: { seq: 1 }, batchSize: BATCH_EVENTS });

    expect({ messages: report.messages, rows: report.rows, first: report.firstSeq, last: report.lastSeq }).toEqual({
      messages: MESSAGES,
      rows: MESSAGES,
      first: 1,
      last: MESSAGES,
    });
    expect(report.skipped).toEqual({});
    expect(writes.map((w) => w.length)).toEqual(Array<number>(MESSAGES / (BATCH_EVENTS / EVENTS_PER_MESSAGE)).fill(50));
    expect(writes.flat()).toEqual(Array.from({ length: MESSAGES }, (_, i) => i + 1));
  });
});
