import { dedupId } from "../../src/ingest/index.ts";
import { jetstreamManager, type JetStreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { CONSUMER_NAMES } from "../../src/consumers/registry.ts";

/** One message as the stream stored it. */
export interface StoredMessage {
  seq: number;
  subject: string;
  /** The event id the edge published under: `Nats-Msg-Id` without its `<source>:` dedup scope. */
  msgId: string | undefined;
  /** The `Nats-Msg-Id` header as stored: `<source>:<event id>` for what the edge published. */
  dedupId: string | undefined;
  body: Record<string, unknown>;
}

export interface JetStreamProbe extends AsyncDisposable {
  jsm: JetStreamManager;
  /** Every message of `stream`, in sequence order. */
  messages(stream: string): Promise<StoredMessage[]>;
  /** True once each of the durable consumers has been handed, and has acked, every message its filter matches. */
  drained(stream: string, consumers?: readonly string[]): Promise<boolean>;
  /** Deletes the durable consumers (the next provisioning creates them again, from the stream's first message). */
  deleteConsumers(stream: string, consumers?: readonly string[]): Promise<void>;
  close(): Promise<void>;
}

/**
 * A JetStream management connection for assertions on what the broker holds.
 *
 * @example
 * await using js = await openJetStream(inject("natsUrl"));
 * expect((await js.messages(p.config.stream.name)).map((m) => m.msgId)).toEqual(["e1"]);
 */
export async function openJetStream(natsUrl: string): Promise<JetStreamProbe> {
  const nc = await connect({ servers: natsUrl, name: "playpulse-test-probe" });
  const jsm = await jetstreamManager(nc);
  const decoder = new TextDecoder();

  async function messages(stream: string): Promise<StoredMessage[]> {
    const { state } = await jsm.streams.info(stream);
    const out: StoredMessage[] = [];
    if (state.messages === 0) return out;
    for (let seq = state.first_seq; seq <= state.last_seq; seq++) {
      const m = await jsm.streams.getMessage(stream, { seq });
      if (m === null) continue;
      const dedupId = m.header.get("Nats-Msg-Id") || undefined;
      out.push({
        seq: m.seq,
        subject: m.subject,
        msgId: dedupId?.replace(/^[a-z0-9][a-z0-9_.-]{0,39}:/, ""),
        dedupId,
        body: JSON.parse(decoder.decode(m.data)) as Record<string, unknown>,
      });
    }
    return out;
  }

  async function drained(stream: string, consumers: readonly string[] = CONSUMER_NAMES): Promise<boolean> {
    const infos = await Promise.all(consumers.map((name) => jsm.consumers.info(stream, name)));
    return infos.every((i) => i.num_pending === 0 && i.num_ack_pending === 0);
  }

  async function deleteConsumers(stream: string, consumers: readonly string[] = CONSUMER_NAMES): Promise<void> {
    for (const name of consumers) await jsm.consumers.delete(stream, name);
  }

  async function close(): Promise<void> {
    if (!nc.isClosed()) await nc.close();
  }

  return { jsm, messages, drained, deleteConsumers, close, [Symbol.asyncDispose]: close };
}

/** The Nats-Msg-Id the edge gives event `id` sent with a shorthand PLAYPULSE_WRITE_KEYS key (source `write`). */
export const writeKeyMsgId = (id: string): string => dedupId("write", id);
