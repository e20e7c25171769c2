import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from "@nats-io/jetstream";
import { headers, type NatsConnection } from "@nats-io/transport-node";
import { PACK_HEADER, packLines } from "../events/index.ts";
import { packWithout, rewriteHeaders, rewriteMsgId } from "./packs.ts";

/** What a removal did: messages deleted, already gone, and packed messages republished without the users first. */
export interface StreamRemoval {
  removed: number;
  absent: number;
  /** Of `removed`: packed messages whose other users' events were republished before the delete. */
  rewritten: number;
}

/** Removes messages of erased users from the event stream by sequence. */
export interface StreamEraser {
  /** Removes messages `seqs` of `users` (ids as stored); a packed one is first republished without their events. */
  remove(seqs: readonly number[], users: readonly string[]): Promise<StreamRemoval>;
}

/** One stored message, as the eraser reads it. */
export interface StreamMessage {
  seq: number;
  subject: string;
  data: Uint8Array;
  header: Iterable<[string, string[]]> & { has(k: string): boolean };
}

/** The three stream operations the eraser needs (JetStream's in `createStreamEraser`; fakes in tests). */
export interface StreamOps {
  /** The message at `seq`, or null when there is none (expired, deleted). */
  get(seq: number): Promise<StreamMessage | null>;
  /** Publishes and resolves once JetStream stored it (or dropped it as a duplicate of `msgId`); rejects otherwise. */
  publish(subject: string, data: Uint8Array, msgId: string, headers: readonly [string, string][]): Promise<void>;
  /** Deletes the message at `seq`: false when it was already gone. */
  delete(seq: number): Promise<boolean>;
}

/** Deletes in flight at once: each is one request and reply to the stream's leader. */
const IN_FLIGHT = 32;
const TIMEOUT_MS = 10_000;

type One = "removed" | "absent" | "rewritten";

/**
 * The eraser over any `StreamOps`. A packed message (PLAYPULSE_PACK_EVENTS, `Playpulse-Pack`)
 * holds events of several users: the other users' lines are first published again to the same
 * subject as one packed message (same headers, corrected count, a `Nats-Msg-Id` made of the erased
 * users and the sequence, so a retried erasure publishes it once within the duplicate window), and
 * the original is deleted only once JetStream acknowledged that copy. A pack without a line of the
 * users is left as it is (counted absent: nothing of theirs there); one with nothing else is only
 * deleted. An unpacked message is deleted whoever it names, as before packs.
 *
 * @example
 * await streamEraserOver(ops).remove([12, 15], ["u1"]); // { removed: 2, absent: 0, rewritten: 1 }
 */
export function streamEraserOver(ops: StreamOps): StreamEraser {
  async function one(seq: number, users: ReadonlySet<string>): Promise<One> {
    const m = await ops.get(seq);
    if (m === null) return "absent";
    if (!m.header.has(PACK_HEADER)) return (await ops.delete(seq)) ? "removed" : "absent";
    const { kept, keptAt, lines, removed } = packWithout(m.data, users);
    if (removed.length === 0) return "absent";
    if (kept.length > 0)
      await ops.publish(
        m.subject,
        packLines(kept),
        rewriteMsgId(removed, seq),
        rewriteHeaders(m.header, keptAt, lines),
      );
    if (!(await ops.delete(seq))) return "absent";
    return kept.length > 0 ? "rewritten" : "removed";
  }
  return {
    async remove(seqs, users) {
      const who = new Set(users);
      const done: One[] = [];
      for (let i = 0; i < seqs.length; i += IN_FLIGHT)
        done.push(...(await Promise.all(seqs.slice(i, i + IN_FLIGHT).map((s) => one(s, who)))));
      const removed = done.filter((d) => d !== "absent").length;
      return { removed, absent: seqs.length - removed, rewritten: done.filter((d) => d === "rewritten").length };
    },
  };
}

/** `StreamOps` on JetStream: a stored-message get, a publish awaiting its PubAck, a delete. */
function jetStreamOps(nc: NatsConnection, stream: string, erase: boolean): StreamOps {
  let jsm: Promise<JetStreamManager> | undefined;
  let js: JetStreamClient | undefined;
  // checkAPI off: its `$JS.API.INFO` is not among the analytics role's permissions (src/bus/permissions.ts).
  const manager = () => (jsm ??= jetstreamManager(nc, { timeout: TIMEOUT_MS, checkAPI: false }));
  return {
    async get(seq) {
      return (await manager()).streams.getMessage(stream, { seq });
    },
    async publish(subject, data, msgId, hdrs) {
      const h = headers();
      for (const [k, v] of hdrs) h.append(k, v);
      js ??= jetstream(nc, { timeout: TIMEOUT_MS });
      await js.publish(subject, data, { msgID: msgId, headers: h, timeout: TIMEOUT_MS });
    },
    async delete(seq) {
      try {
        return await (await manager()).streams.deleteMessage(stream, seq, erase);
      } catch (err: unknown) {
        if (err instanceof Error && /no message found|not found/i.test(err.message)) return false;
        throw err;
      }
    },
  };
}

/**
 * Deletes messages of `stream` by sequence with `erase` (JetStream overwrites the message's bytes
 * on disk, not only its index entry), packed ones rewritten first (`streamEraserOver`). A message
 * already gone (expired, deleted by an earlier attempt) counts as absent, not as a failure; any
 * other error rejects, and the erasure is retried.
 *
 * @example
 * await createStreamEraser(nc, "PLAYPULSE").remove([12, 15], ["u1"]); // { erase: false }: only the index entry (test/bench/erasure-stream.ts)
 */
export function createStreamEraser(nc: NatsConnection, stream: string, opts: { erase?: boolean } = {}): StreamEraser {
  return streamEraserOver(jetStreamOps(nc, stream, opts.erase ?? true));
}
