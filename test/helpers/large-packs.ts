import type { JetStreamClient } from "@nats-io/jetstream";
import { headers as natsHeaders } from "@nats-io/transport-node";
import { ok, type ConsumerHandler, type MessageRows } from "../../src/bus/index.ts";
import { PACK_HEADER } from "../../src/events/index.ts";

/**
 * A backlog larger than nats-server queues for one connection (`max_pending`, 64 MiB by
 * default): 300 messages of 256 KiB (PACK_MAX_BYTES, the largest pack the edge sends), each
 * a pack weighing 100 events, 75 MiB in all.
 */
export const LARGE_PACKS = { messages: 300, bytes: 256 * 1024, events: 100 } as const;

/** Publishes LARGE_PACKS to `subject`, with the `Playpulse-Pack` header (their bodies are filler). */
export async function publishLargePacks(js: JetStreamClient, subject: string): Promise<void> {
  const body = new Uint8Array(LARGE_PACKS.bytes).fill(0x61);
  for (let i = 1; i <= LARGE_PACKS.messages; i++) {
    const h = natsHeaders();
    h.set(PACK_HEADER, String(LARGE_PACKS.events));
    await js.publish(subject, body, { headers: h });
  }
}

/**
 * A handler whose `prepare` keeps the event loop busy `busyMs` per message, as reading a real
 * pack's events does, so the client reads its socket seldom; it records each write's stream
 * sequences and stores nothing.
 */
export function busyRecordingHandler(
  name: string,
  busyMs = 5,
): { handler: ConsumerHandler<number>; writes: number[][] } {
  const writes: number[][] = [];
  const handler: ConsumerHandler<number> = {
    name,
    prepare: (msg) => {
      const until = performance.now() + busyMs;
      while (performance.now() < until) continue;
      return ok([msg.streamSeq]);
    },
    write<G extends MessageRows<number>>(batch: readonly G[]) {
      writes.push(batch.map((g) => g.msg.streamSeq));
      return Promise.resolve([]);
    },
  };
  return { handler, writes };
}
