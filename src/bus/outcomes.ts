/** What a handler decides about one message; the consume loop turns it into ack, nak or dead-letter. */
export type Outcome<R> =
  | { kind: "ok"; rows: R[] }
  | { kind: "retry"; delayMs: number; reason: string }
  | { kind: "dead-letter"; reason: string };

export const ok = <R>(rows: R[]): Outcome<R> => ({ kind: "ok", rows });
export const retry = <R>(delayMs: number, reason: string): Outcome<R> => ({ kind: "retry", delayMs, reason });
export const deadLetter = <R>(reason: string): Outcome<R> => ({ kind: "dead-letter", reason });

/** A message as handlers see it: no client objects, so handlers stay pure and table-testable. */
export interface InboundMessage {
  subject: string;
  data: Uint8Array;
  header(name: string): string | undefined;
  streamSeq: number;
  deliveryCount: number;
}

/** The rows of one message, kept together from `prepare` to `write`. */
export interface MessageRows<R> {
  msg: InboundMessage;
  rows: R[];
}

/** A message whose rows the store refused for their values (poison): it is dead-lettered, the rest is stored. */
export interface Refused<G> {
  item: G;
  reason: string;
}

/**
 * A consumer is two functions: `prepare` maps one message to rows (pure); `write` stores the
 * rows of a whole batch, grouped by message. Two batches' `write`s may run at once (the consume
 * loop's writes in flight), so `write` must not depend on the one before having finished. `write` resolves with the messages whose rows the
 * store refused for their values (everything else is stored), and throws when the store is
 * unavailable (nothing is stored; the loop retries the batch).
 */
export interface ConsumerHandler<R> {
  name: string;
  prepare(msg: InboundMessage): Outcome<R>;
  write<G extends MessageRows<R>>(batch: readonly G[]): Promise<Refused<G>[]>;
  /**
   * Subjects whose batch must be written alone: the loop waits for the writes in flight before
   * it, and starts none beside it (an erasure must not race an earlier batch's insert). Without
   * it, every batch may share the writes in flight.
   */
  alone?(subject: string): boolean;
}

/** Exponential backoff with a cap: 0.5 s, 1 s, 2 s ... 30 s. The ceiling of `jitteredBackoffMs`. */
export function backoffMs(attempt: number, baseMs = 500, capMs = 30_000): number {
  return Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1));
}

/**
 * Full jitter: a wait drawn uniformly between 0 and `backoffMs(attempt)`, so processes that
 * failed together (every pod after an outage) do not retry together. Every retry waits this.
 */
export function jitteredBackoffMs(
  attempt: number,
  baseMs = 500,
  capMs = 30_000,
  random: () => number = Math.random,
): number {
  return fullJitter(backoffMs(attempt, baseMs, capMs), random);
}

/** A wait drawn uniformly between 0 and `ceilingMs`. */
export function fullJitter(ceilingMs: number, random: () => number = Math.random): number {
  return Math.round(random() * ceilingMs);
}
