import { jetstream } from "@nats-io/jetstream";
import { headers as natsHeaders, type MsgHdrs, type NatsConnection } from "@nats-io/transport-node";

/** Headers a dead letter carries besides the original's (`playpulse dlq` reads them back). */
export const DLQ_HEADERS = {
  consumer: "Playpulse-Dlq-Consumer",
  error: "Playpulse-Dlq-Error",
  attempts: "Playpulse-Dlq-Attempts",
  subject: "Playpulse-Dlq-Subject",
  streamSeq: "Playpulse-Dlq-Stream-Seq",
  time: "Playpulse-Dlq-Time",
  msgId: "Playpulse-Dlq-Msg-Id",
} as const;

/** A header value on one line, cut to `max` characters (NATS headers cannot hold line breaks). */
export function headerValue(text: string, max = 1000): string {
  return text.replace(/[\r\n]+/g, " ").slice(0, max);
}

/** The message being dead-lettered, as the consume loop holds it. */
export interface DeadLetterSource {
  subject: string;
  data: Uint8Array;
  headers?: MsgHdrs | undefined;
  seq: number;
  deliveryCount: number;
}

/**
 * The headers of the dead letter of `m`: the original's (except `Nats-Msg-Id`, which would make
 * JetStream drop it as a duplicate of the original) plus the Playpulse-Dlq-* ones.
 */
export function deadLetterHeaders(m: DeadLetterSource, consumer: string, reason: string, now: number): MsgHdrs {
  const h = natsHeaders();
  if (m.headers) for (const [k, vs] of m.headers) for (const v of vs) if (k !== "Nats-Msg-Id") h.append(k, v);
  h.set(DLQ_HEADERS.consumer, consumer);
  h.set(DLQ_HEADERS.error, headerValue(reason));
  h.set(DLQ_HEADERS.attempts, String(m.deliveryCount));
  h.set(DLQ_HEADERS.subject, m.subject);
  h.set(DLQ_HEADERS.streamSeq, String(m.seq));
  h.set(DLQ_HEADERS.time, new Date(now).toISOString());
  const originalId = m.headers?.get("Nats-Msg-Id");
  if (originalId) h.set(DLQ_HEADERS.msgId, originalId);
  return h;
}

/** Publishes one dead letter and waits for JetStream to store it; throws when it could not. */
export type DeadLetterPublisher = (m: DeadLetterSource, reason: string) => Promise<void>;

/**
 * The one place dead letters are made: publishes `m` to `dlqSubject(m.subject)` on the DLQ
 * stream with `deadLetterHeaders`, under the message id `<consumer>:<stream seq>`, so
 * dead-lettering the same message twice stores it once.
 *
 * @example
 * const deadLetter = createDeadLetterPublisher(bus.nc, "analytics", (s) => subjects.dlq("analytics", s));
 * await deadLetter({ subject: m.subject, data: m.data, headers: m.headers, seq: m.seq, deliveryCount: 1 }, "invalid: …");
 */
export function createDeadLetterPublisher(
  nc: NatsConnection,
  consumer: string,
  dlqSubject: (subject: string) => string,
  now: () => number = Date.now,
): DeadLetterPublisher {
  const js = jetstream(nc);
  return async function publishDeadLetter(m, reason) {
    await js.publish(dlqSubject(m.subject), m.data, {
      headers: deadLetterHeaders(m, consumer, reason, now()),
      msgID: `${consumer}:${m.seq}`,
    });
  };
}
