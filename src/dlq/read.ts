import { jetstream, jetstreamManager, type Consumer, type JsMsg } from "@nats-io/jetstream";
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

/**
 * A read that ended before the last dead letter it had to reach: after `read` of `expected`, the
 * server sent nothing more, or a fetch failed (`stopped`). The message says what the command did
 * before it stopped (`outcome`): reading changes nothing; a redrive says what it redrove.
 */
export class DlqReadCutShort extends DlqError {
  override name = "DlqReadCutShort";
  constructor(
    readonly read: number,
    readonly expected: number,
    readonly stopped: string,
    readonly outcome = "nothing was changed; run the command again",
    options?: ErrorOptions,
  ) {
    super(`read ${read} of ${expected} dead letters, then ${stopped}; ${outcome}`, options);
  }

  /** The same stop, with what the command that read did before it. */
  withOutcome(outcome: string): DlqReadCutShort {
    return new DlqReadCutShort(this.read, this.expected, this.stopped, outcome, { cause: this });
  }
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

/** How long one fetch waits for messages, and how many empty fetches in a row end a read. */
const FETCH_EXPIRES_MS = 5000;
const IDLE_FETCHES = 3;

/**
 * Reads the dead letters that match `filter`, oldest first, with an ordered (ephemeral)
 * consumer, up to the last one stored when the read began, so a DLQ that keeps growing still ends.
 * It fetches at most PULL_MAX_MESSAGES at a time, the consume loop's window: dead letters of large
 * packs (256 KiB each) then stay within what nats-server queues for one connection, 64 MiB, which
 * a larger fetch overflows while the reader is busy (the server cuts it off and the read ends short).
 *
 * A read never ends short without saying so: when the server sends nothing more while the stream
 * still holds a matching dead letter the read has not reached (deliveries lost with a connection
 * the server cut off, for one), it throws DlqReadCutShort after IDLE_FETCHES empty fetches; a
 * failed fetch throws it at once. Dead letters deleted or purged meanwhile end the read cleanly.
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
  /** Whether the stream still holds a dead letter of `subject` after seq `after`, up to `last`. */
  const unreached = async (after: number): Promise<boolean> => {
    // STREAM.MSG.GET takes next_by_subj since nats-server 2.9 (nats.js types it for direct gets only).
    const next = { seq: after + 1, next_by_subj: subject };
    const m = await jsm.streams.getMessage(opts.stream, next);
    return m !== null && m.seq <= last;
  };
  const consumer = await jetstream(nc).consumers.get(opts.stream, { filter_subjects: subject });
  try {
    for await (const m of readWindows(consumer, last, unreached, opts.onProgress)) {
      const d = toDeadLetter({ seq: m.seq, subject: m.subject, time: m.time, headers: m.headers, data: m.data });
      if (matches(d, subject, filter)) yield d;
    }
  } finally {
    await consumer.delete().catch(() => false);
  }
}

/**
 * The consumer's messages up to seq `last`, a window (PULL_MAX_MESSAGES) at a time. It ends when
 * none is pending, or at `last`. An empty fetch while some seem pending ends it too when
 * `unreached` finds none left in the stream (deleted meanwhile, or only later ones pending);
 * otherwise the read is cut short, and IDLE_FETCHES such fetches in a row throw DlqReadCutShort.
 */
async function* readWindows(
  consumer: Consumer,
  last: number,
  unreached: (after: number) => Promise<boolean>,
  onProgress: ((read: number, total: number) => void) | undefined,
): AsyncGenerator<JsMsg> {
  let pending = (await consumer.info(true)).num_pending;
  const total = pending;
  let read = 0;
  let cursor = 0;
  let idle = 0;
  while (pending > 0) {
    let got = 0;
    let done = false;
    try {
      const batch = await consumer.fetch({
        max_messages: Math.min(pending, PULL_MAX_MESSAGES),
        expires: FETCH_EXPIRES_MS,
      });
      for await (const m of batch) {
        got++;
        cursor = m.seq;
        pending = m.info.pending;
        if (m.seq > last) {
          done = true;
          break;
        }
        read++;
        yield m;
        if (m.seq === last) done = true;
      }
    } catch (err: unknown) {
      const why = err instanceof Error ? err.message : String(err);
      throw new DlqReadCutShort(read, total, `the read failed (${why})`, undefined, { cause: err });
    }
    onProgress?.(read, total);
    if (done) break;
    if (got > 0) idle = 0;
    else if (!(await unreached(cursor))) break;
    else if (++idle === IDLE_FETCHES)
      throw new DlqReadCutShort(
        read,
        total,
        `the server sent nothing for ${(IDLE_FETCHES * FETCH_EXPIRES_MS) / 1000} s`,
      );
  }
}

function matches(d: DeadLetter, subject: string, filter: DlqFilter): boolean {
  if (!subjectMatches(subject, d.subject)) return false;
  if (filter.consumer !== undefined && d.consumer !== filter.consumer) return false;
  if (filter.error !== undefined && !d.error.includes(filter.error)) return false;
  return true;
}
