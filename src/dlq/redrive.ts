import { JetStreamApiCodes, JetStreamApiError, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { headers as natsHeaders, type NatsConnection } from "@nats-io/transport-node";
import type { DeadLetter } from "./entries.ts";
import { REDRIVEN_FROM_HEADER } from "./headers.ts";
import { DlqError, DlqReadCutShort } from "./read.ts";

export interface RedriveOptions {
  /** The event stream the originals were published to. */
  stream: string;
  dlqStream: string;
  /**
   * Publish under `<event id>:redrive:<dlq seq>` instead of the original message id. Needed for
   * dead letters whose original is still inside the stream's duplicate window, which JetStream
   * would otherwise drop as a duplicate. Safe: every table is keyed by the event id in the body.
   */
  freshId?: boolean;
  /**
   * Dead letters this takes are sent again by `send` instead of republished (webhook deliveries:
   * to their own endpoint only); `send` resolves with undefined on success, the reason otherwise.
   */
  direct?: { takes: (consumer: string) => boolean; send: (d: DeadLetter) => Promise<string | undefined> };
  /** How many publishes are in flight at once. */
  concurrency?: number;
  onProgress?: (done: number) => void;
}

export interface HeldBack {
  seq: number;
  msgId: string;
  /** When the original leaves the duplicate window and a plain redrive will go through. */
  until: string;
}

export interface RedriveReport {
  /** Republished and removed from the dead-letter queue. */
  redriven: number;
  /** An earlier redrive had already republished them (it stopped before removing them): removed now. */
  alreadyRedriven: number;
  /** Left in the queue: JetStream still holds the original's id in its duplicate window. */
  heldBack: HeldBack[];
  failed: { seq: number; error: string }[];
}

/**
 * Republishes each dead letter's original payload and headers to its original subject, with its
 * original `Nats-Msg-Id`, then deletes it from the dead-letter stream. Idempotent: a second run
 * after a crash between publish and delete is recognised by the PubAck (a duplicate whose sequence
 * is not the original's), and an event stored twice counts once in every aggregate. Every
 * consumer whose filter matches the subject sees the event again, not only the one that failed.
 *
 * It works while it reads, `concurrency` dead letters at a time, so that it never holds more than
 * those (payloads included). A read cut short (DlqReadCutShort) therefore stops it part way: it
 * throws that error, saying how many it redrove and removed before; those it read and had not
 * begun, and those it never read, stay in the queue, whole, for the next run.
 */
export async function redriveDeadLetters(
  nc: NatsConnection,
  entries: AsyncIterable<DeadLetter>,
  opts: RedriveOptions,
): Promise<RedriveReport> {
  const js = jetstream(nc);
  const jsm = await jetstreamManager(nc);
  const info = await jsm.streams.info(opts.stream).catch((err: unknown) => {
    if (!(err instanceof JetStreamApiError && err.code === JetStreamApiCodes.StreamNotFound)) throw err;
    throw new DlqError(`stream ${opts.stream} not found (run "playpulse migrate")`, { cause: err });
  });
  const windowMs = Math.round((info.config.duplicate_window ?? 0) / 1e6);
  const report: RedriveReport = { redriven: 0, alreadyRedriven: 0, heldBack: [], failed: [] };
  let done = 0;

  async function direct(d: DeadLetter, send: (d: DeadLetter) => Promise<string | undefined>): Promise<void> {
    try {
      const problem = await send(d);
      if (problem !== undefined) return void report.failed.push({ seq: d.seq, error: problem });
      await jsm.streams.deleteMessage(opts.dlqStream, d.seq, false);
      report.redriven++;
    } catch (err: unknown) {
      report.failed.push({ seq: d.seq, error: err instanceof Error ? err.message : String(err) });
    }
  }

  async function one(d: DeadLetter): Promise<void> {
    if (opts.direct?.takes(d.consumer)) return direct(d, opts.direct.send);
    const h = natsHeaders();
    for (const [k, vs] of Object.entries(d.headers)) {
      if (k.startsWith("Playpulse-Dlq-") || k === "Nats-Msg-Id" || k === REDRIVEN_FROM_HEADER) continue;
      for (const v of vs) h.append(k, v);
    }
    h.set(REDRIVEN_FROM_HEADER, `${opts.dlqStream}:${d.seq}`);
    const fresh = opts.freshId === true || d.msgId === undefined;
    const msgID = fresh ? `${d.msgId ?? "dlq"}:redrive:${d.seq}` : (d.msgId as string);
    try {
      const ack = await js.publish(d.originalSubject, d.data, {
        msgID,
        headers: h,
        expect: { streamName: opts.stream },
      });
      if (ack.duplicate && !fresh && ack.seq === d.originalSeq) {
        const original = await jsm.streams.getMessage(opts.stream, { seq: d.originalSeq }).catch(() => null);
        const from = original?.time.getTime() ?? Date.parse(d.deadLetteredAt);
        report.heldBack.push({ seq: d.seq, msgId: msgID, until: new Date(from + windowMs).toISOString() });
        return;
      }
      await jsm.streams.deleteMessage(opts.dlqStream, d.seq, false);
      if (ack.duplicate) report.alreadyRedriven++;
      else report.redriven++;
    } catch (err: unknown) {
      report.failed.push({ seq: d.seq, error: err instanceof Error ? err.message : String(err) });
    }
  }

  const limit = Math.max(1, opts.concurrency ?? 64);
  let chunk: DeadLetter[] = [];
  const flush = async () => {
    await Promise.all(chunk.map(one));
    done += chunk.length;
    chunk = [];
    opts.onProgress?.(done);
  };
  try {
    for await (const d of entries) {
      chunk.push(d);
      if (chunk.length >= limit) await flush();
    }
  } catch (err: unknown) {
    if (!(err instanceof DlqReadCutShort)) throw err;
    const removed = report.redriven + report.alreadyRedriven;
    throw err.withOutcome(
      `${removed} of them were redriven and removed from the queue before that, the others are still in it; run the command again to redrive them`,
    );
  }
  if (chunk.length > 0) await flush();
  return report;
}
