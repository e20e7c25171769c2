import { deadLetter, ok, type InboundMessage, type MessageRows, type Outcome, type Refused } from "../bus/index.ts";
import { decodeErasureRequested, isErasureSubject } from "../events/index.ts";
import type { Store } from "../store/index.ts";
import type { ErasureRunner } from "./runner.ts";
import { erasedEventsOf, erasedUsers, splitSuppressed, usersOf } from "./suppress.ts";

/** What a table consumer needs to honour erasures. */
export interface ErasureHooks {
  /** Runs erasure requests (the analytics role); without it a request is acknowledged and left alone. */
  runner?: ErasureRunner | undefined;
  /**
   * The messages not stored because they name an erased user (among `erased`, ids as stored), and
   * `events`, the erased users' events among them (a pack may carry several, and other users'):
   * counted, and (analytics) removed from the stream, a packed one republished without those users.
   */
  onSuppressed?:
    | ((msgs: readonly InboundMessage[], erased: ReadonlySet<string>, events: number) => Promise<void> | void)
    | undefined;
}

/** The outcome of an erasure request's message, or undefined for any other message. */
export function prepareErasure<R>(msg: InboundMessage): Outcome<R> | undefined {
  if (!isErasureSubject(msg.subject)) return undefined;
  const req = decodeErasureRequested(msg.data);
  return typeof req === "string" ? deadLetter(`invalid: ${req}`) : ok([]);
}

/**
 * Writes a batch honouring erasures: the messages whose user is erased (and still suppressed) are
 * not stored, then the batch's erasure requests run, in stream order after every row before them.
 */
export async function writeHonouringErasures<R, G extends MessageRows<R>>(
  batch: readonly G[],
  deps: { store: Store; now: () => number; hooks: ErasureHooks; write: (keep: G[]) => Promise<Refused<G>[]> },
): Promise<Refused<G>[]> {
  const erased = await erasedUsers(deps.store, usersOf(batch), deps.now());
  const { keep, suppressed } = splitSuppressed(batch, erased);
  const refused = await deps.write(keep);
  if (suppressed.length > 0)
    await deps.hooks.onSuppressed?.(
      suppressed.map((g) => g.msg),
      erased,
      erasedEventsOf(suppressed, erased),
    );
  const runner = deps.hooks.runner;
  if (!runner) return refused;
  for (const g of batch) {
    if (!isErasureSubject(g.msg.subject)) continue;
    const req = decodeErasureRequested(g.msg.data);
    if (typeof req !== "string") await runner.run(req, g.msg.streamSeq);
  }
  return refused;
}
