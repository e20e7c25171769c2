import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { PULL_MAX_MESSAGES } from "../bus/index.ts";
import { subjectMatches } from "../events/index.ts";
import { toDeadLetter, type DeadLetter } from "./entries.ts";

/** Which dead letters a command works on. `subject` is an event type and may hold NATS wildcards. */
export interface DlqFilter {
  consumer?: string | undefined;
  subject?: string | undefined;
  /** A substring of the error. */
  error?: string | undefined;
  seq?: number | undefined;
}

const TOKEN = /^[A-Za-z0-9_-]+$/;
const SUBJECT = /^([A-Za-z0-9_-]+|\*)(\.([A-Za-z0-9_-]+|\*))*(\.>)?$|^>$/;

export class DlqError extends Error {
  override name = "DlqError";
}

/** The NATS subject filter of `filter` in the dead-letter stream of a deployment with `prefix` ("" or "ns."). */
export function dlqFilterSubject(prefix: string, filter: DlqFilter): string {
  if (filter.consumer !== undefined && !TOKEN.test(filter.consumer))
    throw new DlqError(`--consumer: not a consumer name: "${filter.consumer}"`);
  if (filter.subject !== undefined && !SUBJECT.test(filter.subject))
    throw new DlqError(`--subject: not a subject (tokens of A-Z a-z 0-9 _ -, wildcards * and >): "${filter.subject}"`);
  return `${prefix}dlq.${filter.consumer ?? "*"}.${filter.subject ?? ">"}`;
}

export interface ReadOptions {
  stream: string;
  prefix: string;
  filter?: DlqFilter;
  /** Called after every fetched batch with the count read so far and the count expected. */
  onProgress?: (read: number, total: number) => void;
}

/**
 * Reads the dead letters that match `filter`, oldest first, with an ordered (ephemeral)
 * consumer, up to the last one stored when the read began, so a DLQ that keeps growing still ends.
 * It fetches at most PULL_MAX_MESSAGES at a time, the consume loop's window: dead letters of large
 * packs (256 KiB each) then stay within what nats-server queues for one connection, 64 MiB, which
 * a larger fetch overflows while the reader is busy (the server cuts it off and the read ends short).
 */
export async function* readDeadLetters(nc: NatsConnection, opts: ReadOptions): AsyncGenerator<DeadLetter> {
  const filter = opts.filter ?? {};
  const subject = dlqFilterSubject(opts.prefix, filter);
  const jsm = await jetstreamManager(nc);
  if (filter.seq !== undefined) {
    const m = await jsm.streams.getMessage(opts.stream, { seq: filter.seq });
    if (!m) return;
    const d = toDeadLetter({ seq: m.seq, subject: m.subject, time: m.time, headers: m.header, data: m.data });
    if (matches(d, subject, filter)) yield d;
    return;
  }
  const info = await jsm.streams.info(opts.stream).catch((err: unknown) => {
    throw new DlqError(`dead-letter stream ${opts.stream} not found (run "playpulse migrate")`, { cause: err });
  });
  const last = info.state.last_seq;
  if (info.state.messages === 0) return;
  const consumer = await jetstream(nc).consumers.get(opts.stream, { filter_subjects: subject });
  try {
    let pending = (await consumer.info(true)).num_pending;
    const total = pending;
    let read = 0;
    let idle = 0;
    while (pending > 0 && idle < 3) {
      const batch = await consumer.fetch({ max_messages: Math.min(pending, PULL_MAX_MESSAGES), expires: 5000 });
      let got = 0;
      let done = false;
      for await (const m of batch) {
        got++;
        read++;
        pending = m.info.pending;
        if (m.seq > last) {
          done = true;
          break;
        }
        const d = toDeadLetter({ seq: m.seq, subject: m.subject, time: m.time, headers: m.headers, data: m.data });
        if (matches(d, subject, filter)) yield d;
        if (m.seq === last) done = true;
      }
      opts.onProgress?.(read, total);
      if (done) break;
      idle = got === 0 ? idle + 1 : 0;
    }
  } finally {
    await consumer.delete().catch(() => false);
  }
}

function matches(d: DeadLetter, subject: string, filter: DlqFilter): boolean {
  if (!subjectMatches(subject, d.subject)) return false;
  if (filter.consumer !== undefined && d.consumer !== filter.consumer) return false;
  if (filter.error !== undefined && !d.error.includes(filter.error)) return false;
  return true;
}
