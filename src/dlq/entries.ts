import type { MsgHdrs } from "@nats-io/transport-node";
import { DLQ_HEADERS } from "../bus/index.ts";

/** One dead letter, as `playpulse dlq` shows it. */
export interface DeadLetter {
  /** Sequence in the dead-letter stream: what `dlq show` and `--seq` take. */
  seq: number;
  /** The dead letter's own subject, `<prefix>dlq.<consumer>.<event type>`. */
  subject: string;
  /** When the dead-letter stream stored it. */
  storedAt: string;
  consumer: string;
  /** The subject the event was published to, and will be redriven to. */
  originalSubject: string;
  /** Sequence of the original message in the event stream. */
  originalSeq: number;
  /** The original `Nats-Msg-Id` (the event id), when it had one. */
  msgId: string | undefined;
  error: string;
  attempts: number;
  deadLetteredAt: string;
  /** Every header of the dead letter, Playpulse-Dlq-* included. */
  headers: Record<string, string[]>;
  data: Uint8Array;
}

export function headerRecord(h: MsgHdrs | undefined): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  if (h) for (const [k, vs] of h) out[k] = [...vs];
  return out;
}

/** Builds a DeadLetter from a stored message of the dead-letter stream. */
export function toDeadLetter(m: {
  seq: number;
  subject: string;
  time: Date;
  headers?: MsgHdrs | undefined;
  data: Uint8Array;
}): DeadLetter {
  const headers = headerRecord(m.headers);
  const one = (name: string) => headers[name]?.[0];
  const dlqSubjectRest = m.subject.replace(/^(.*?)dlq\.[^.]+\./, "");
  return {
    seq: m.seq,
    subject: m.subject,
    storedAt: m.time.toISOString(),
    consumer: one(DLQ_HEADERS.consumer) ?? "",
    originalSubject: one(DLQ_HEADERS.subject) ?? dlqSubjectRest,
    originalSeq: Number(one(DLQ_HEADERS.streamSeq) ?? 0),
    msgId: one(DLQ_HEADERS.msgId),
    error: one(DLQ_HEADERS.error) ?? "",
    attempts: Number(one(DLQ_HEADERS.attempts) ?? 0),
    deadLetteredAt: one(DLQ_HEADERS.time) ?? m.time.toISOString(),
    headers,
    data: m.data,
  };
}
