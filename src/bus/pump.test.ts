import type { ConsumerMessages, JsMsg } from "@nats-io/jetstream";
import { describe, expect, it } from "vitest";
import { createBatcher } from "./batcher.ts";
import { pump } from "./pump.ts";

/** Messages of the given weights (as their `Playpulse-Pack` count), and how many the pump has read. */
function source(weights: readonly number[]) {
  let read = 0;
  function* iterate() {
    for (const [i, w] of weights.entries()) {
      read++;
      yield { seq: i + 1, weight: w } as unknown as JsMsg;
    }
  }
  return { messages: iterate() as unknown as ConsumerMessages, read: () => read };
}

const weightOf = (m: JsMsg) => (m as unknown as { weight: number }).weight;
const seqs = (ms: readonly JsMsg[]) => ms.map((m) => m.seq);
/** Lets pending promise callbacks run. */
const settle = () => new Promise<void>((r) => setImmediate(r));

describe("pump", () => {
  it("stops reading once the batcher holds holdMax, and goes on when a batch is taken", async () => {
    const batcher = createBatcher<JsMsg>({ maxItems: 10, maxWaitMs: 60_000, weight: weightOf });
    const src = source([6, 6, 6, 6, 6, 6]);
    let done = false;
    void pump(batcher, src.messages, 20, () => false).then(() => (done = true));
    await settle();
    // 6 + 6 + 6 = 18 < 20, the fourth makes 24: held there.
    expect([src.read(), batcher.weight(), done]).toEqual([4, 24, false]);
    expect(seqs(await batcher.next(() => false))).toEqual([1]); // 18 left: room again
    await settle();
    expect([src.read(), batcher.weight()]).toEqual([5, 24]);
    expect(seqs(batcher.takeAll())).toEqual([2, 3, 4, 5]);
    await settle();
    expect([src.read(), batcher.weight(), done]).toEqual([6, 6, true]);
  });

  it("reads everything while stopping, whatever the batcher holds", async () => {
    const batcher = createBatcher<JsMsg>({ maxItems: 10, maxWaitMs: 60_000, weight: weightOf });
    const src = source([50, 50, 50]);
    await pump(batcher, src.messages, 20, () => true);
    expect([src.read(), batcher.weight()]).toEqual([3, 150]);
  });
});
