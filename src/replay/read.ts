import type { Consumer, JsMsg } from "@nats-io/jetstream";
import { packWeight, prepareMessage, PULL_MAX_MESSAGES, toInbound, type MessageRows } from "../bus/index.ts";
import type { Range, ReplayOptions, Tally } from "./replay.ts";

/** One batch of the range, prepared; `got` counts the messages it took; `stop` once past the range. */
export interface RangeBatch<R> {
  batch: MessageRows<R>[];
  got: number;
  stop: boolean;
}

type Step = "taken" | "full" | "stop";

/**
 * Reads a replay's range batch by batch, as the consume loop batches: a batch holds at most
 * `batchSize` events (a packed message weighs its events, `packWeight`; one message heavier than
 * that is a batch alone), and the stream is read in fetches of at most PULL_MAX_MESSAGES, the
 * loop's window, so a range of large packs stays within what nats-server queues for one
 * connection (docs/benchmarks.md#a-packed-backlog-the-pull-window). Messages fetched past a full
 * batch are kept, unread, for the next one, so the tally (and the sequence a failed replay says
 * to resume from) counts only what was written or is being written.
 */
export function createRangeReader<R>(
  consumer: Consumer,
  opts: ReplayOptions<R>,
  tally: Tally,
  range: Range,
  pending: number,
) {
  const carry: JsMsg[] = [];
  const state = { pending };

  /** Takes `m` into `b` unless it would overfill it ("full"); "stop" past or at the end of the range. */
  function take(b: RangeBatch<R> & { weight: number }, m: JsMsg): Step {
    if (m.seq > range.endSeq || (range.toTime !== undefined && m.time.getTime() > range.toTime)) return "stop";
    const w = packWeight(m);
    if (b.got > 0 && b.weight + w > opts.batchSize) return "full";
    b.got++;
    b.weight += w;
    tally.read(m);
    const msg = toInbound(m, 1);
    const outcome = prepareMessage(opts.handler, msg);
    if (outcome.kind === "ok") b.batch.push({ msg, rows: outcome.rows });
    else tally.skip(outcome.reason);
    return m.seq >= range.endSeq ? "stop" : "taken";
  }

  async function next(): Promise<RangeBatch<R>> {
    const b = { batch: [] as MessageRows<R>[], got: 0, weight: 0, stop: false };
    let full = false;
    while (carry.length > 0 && !full && !b.stop) {
      const step = take(b, carry[0] as JsMsg);
      if (step !== "full") carry.shift();
      [full, b.stop] = [step === "full", step === "stop"];
    }
    while (!full && !b.stop && state.pending > 0) {
      const max = Math.min(PULL_MAX_MESSAGES, state.pending);
      let fetched = 0;
      for await (const m of await consumer.fetch({ max_messages: max, expires: 5000 })) {
        fetched++;
        state.pending = m.info.pending;
        const step: Step = full ? "full" : take(b, m);
        if (step === "stop") {
          b.stop = true; // the rest of this fetch is past the range
          break;
        }
        if (step === "full") {
          full = true;
          carry.push(m);
        }
      }
      // A short fetch: the stream had no more for now (or the fetch expired); write what is in hand.
      if (fetched < max) break;
    }
    return b;
  }

  return {
    next,
    /** Whether anything of the range may be left: messages kept from the last fetch, or pending on the server. */
    more: () => carry.length > 0 || state.pending > 0,
    get pending() {
      return state.pending;
    },
    set pending(n: number) {
      state.pending = n;
    },
  };
}
