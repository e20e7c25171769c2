import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";

/** An analytics event to announce: its subject, its body and the `Nats-Msg-Id` of its state change. */
export interface Announcement {
  subject: string;
  id: string;
  body: object;
}

/**
 * Publishes announcements in order with their message ids; `duplicate` when JetStream already
 * had the id (announced before a restart). Throws when the stream does not answer: the caller
 * keeps the announcement and tries it again, under the same id.
 *
 * @example
 * const announce = createAnnouncer(nc, "PLAYPULSE_ANALYTICS");
 * await announce({ subject: "analytics.alert.fired", id, body: event }); // { duplicate: false }
 */
export function createAnnouncer(nc: NatsConnection, stream: string) {
  const js = jetstream(nc, { timeout: 5000, checkAPI: false });
  const encoder = new TextEncoder();
  return async (a: Announcement): Promise<{ duplicate: boolean }> => {
    const ack = await js.publish(a.subject, encoder.encode(JSON.stringify(a.body)), {
      msgID: a.id,
      expect: { streamName: stream },
    });
    return { duplicate: ack.duplicate };
  };
}

/**
 * Every message of `stream` on `subject` stored when the read began, oldest first, decoded from
 * JSON: how the evaluations role gets back what it announced before a restart. An ordered
 * (ephemeral) consumer, deleted afterwards.
 *
 * @example
 * for await (const e of readAnnounced(nc, "PLAYPULSE_ANALYTICS", "analytics.alert.>")) restore(e);
 */
export async function* readAnnounced(nc: NatsConnection, stream: string, subject: string): AsyncGenerator<unknown> {
  const jsm = await jetstreamManager(nc, { timeout: 10_000, checkAPI: false });
  const info = await jsm.streams.info(stream);
  const last = info.state.last_seq;
  if (info.state.messages === 0) return;
  const consumer = await jetstream(nc, { checkAPI: false }).consumers.get(stream, { filter_subjects: subject });
  try {
    let pending = (await consumer.info(true)).num_pending;
    const decoder = new TextDecoder();
    while (pending > 0) {
      const batch = await consumer.fetch({ max_messages: Math.min(pending, 500), expires: 5000 });
      let got = 0;
      for await (const m of batch) {
        got++;
        pending = m.info.pending;
        if (m.seq <= last) yield JSON.parse(decoder.decode(m.data)) as unknown;
        if (m.seq >= last) pending = 0;
        if (pending === 0) break;
      }
      if (got === 0) break;
    }
  } finally {
    await consumer.delete().catch(() => false);
  }
}
