import { jetstreamManager, type JetStreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";

/** Removes messages from the event stream by sequence. */
export interface StreamEraser {
  remove(seqs: readonly number[]): Promise<{ removed: number; absent: number }>;
}

/** Deletes in flight at once: each is one request and reply to the stream's leader. */
const IN_FLIGHT = 32;

/**
 * Deletes messages of `stream` by sequence with `erase` (JetStream overwrites the message's bytes
 * on disk, not only its index entry). A message already gone (expired, deleted by an earlier
 * attempt) counts as absent, not as a failure; any other error rejects, and the erasure is retried.
 *
 * @example
 * await createStreamEraser(nc, "PLAYPULSE").remove([12, 15]); // { erase: false }: only the index entry (test/bench/erasure-stream.ts)
 */
export function createStreamEraser(nc: NatsConnection, stream: string, opts: { erase?: boolean } = {}): StreamEraser {
  let jsm: Promise<JetStreamManager> | undefined;
  const one = async (seq: number): Promise<boolean> => {
    jsm ??= jetstreamManager(nc, { timeout: 10_000 });
    try {
      return await (await jsm).streams.deleteMessage(stream, seq, opts.erase ?? true);
    } catch (err: unknown) {
      if (err instanceof Error && /no message found|not found/i.test(err.message)) return false;
      throw err;
    }
  };
  return {
    async remove(seqs) {
      let removed = 0;
      for (let i = 0; i < seqs.length; i += IN_FLIGHT) {
        const done = await Promise.all(seqs.slice(i, i + IN_FLIGHT).map(one));
        removed += done.filter(Boolean).length;
      }
      return { removed, absent: seqs.length - removed };
    },
  };
}
