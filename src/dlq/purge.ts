import { jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { DlqError, dlqFilterSubject, readDeadLetters, type DlqFilter } from "./read.ts";

export interface PurgePlan {
  /** Dead letters that match, up to `upToSeq`. */
  count: number;
  upToSeq: number;
  subject: string;
  /**
   * The seqs of the dead letters to delete one by one, when the filter cannot be expressed as a
   * subject (error text, seq). Only the seqs: the plan never holds a payload.
   */
  seqs?: number[];
}

/**
 * Counts what `purge` would remove now; the purge then removes exactly those, not later arrivals.
 * With `--error` or `--seq` it reads the matching dead letters whole before the purge removes any,
 * so a read cut short (DlqReadCutShort) throws here and nothing is removed.
 */
export async function planPurge(
  nc: NatsConnection,
  opts: { dlqStream: string; prefix: string; filter: DlqFilter },
): Promise<PurgePlan> {
  const subject = dlqFilterSubject(opts.prefix, opts.filter);
  const jsm = await jetstreamManager(nc);
  const info = await jsm.streams.info(opts.dlqStream, { subjects_filter: subject }).catch((err: unknown) => {
    throw new DlqError(`dead-letter stream ${opts.dlqStream} not found (run "playpulse migrate")`, { cause: err });
  });
  const upToSeq = info.state.last_seq;
  if (opts.filter.error !== undefined || opts.filter.seq !== undefined) {
    const seqs: number[] = [];
    for await (const d of readDeadLetters(nc, { stream: opts.dlqStream, prefix: opts.prefix, filter: opts.filter }))
      seqs.push(d.seq);
    return { count: seqs.length, upToSeq, subject, seqs };
  }
  const count = Object.values(info.state.subjects ?? {}).reduce((a, b) => a + b, 0);
  return { count, upToSeq, subject };
}

/** Removes what `plan` counted. Returns how many were removed. */
export async function purgeDeadLetters(
  nc: NatsConnection,
  dlqStream: string,
  plan: PurgePlan,
  onProgress?: (done: number) => void,
): Promise<number> {
  const jsm = await jetstreamManager(nc);
  if (plan.seqs) {
    let n = 0;
    for (const seq of plan.seqs) {
      if (await jsm.streams.deleteMessage(dlqStream, seq, false).catch(() => false)) n++;
      if (n % 500 === 0) onProgress?.(n);
    }
    return n;
  }
  if (plan.count === 0) return 0;
  const r = await jsm.streams.purge(dlqStream, { filter: plan.subject, seq: plan.upToSeq + 1 });
  return r.purged;
}
