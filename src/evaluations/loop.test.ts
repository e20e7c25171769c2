import { describe, expect, it } from "vitest";
import { waitFor } from "../local-servers/index.ts";
import { createLogger } from "../telemetry/logger.ts";
import { markingHandler, SETTLE_MS, startEvaluationLoop, type Marks } from "./loop.ts";

describe("startEvaluationLoop", () => {
  it("keeps evaluating for SETTLE_MS after the last events arrived, then waits for more", async () => {
    let clock = 1_000_000;
    const at: number[] = [];
    const marks: Marks = { dirty: false };
    const loop = startEvaluationLoop({
      evaluator: {
        restore: () => Promise.resolve(),
        evaluate: (now) => {
          at.push(now);
          return Promise.resolve();
        },
        busy: () => false,
      },
      marks,
      intervalMs: 5,
      logger: createLogger("silent"),
      now: () => clock,
    });
    // The durable's handler marks a batch: evaluations at every tick while the clock is inside the settle time.
    const handler = markingHandler("evaluations", marks, () => clock);
    const msg = {
      subject: "user.video.played",
      data: new Uint8Array(),
      header: () => undefined,
      streamSeq: 1,
      deliveryCount: 1,
    };
    await handler.write([{ msg, rows: [{ seq: 1 }] }]);
    expect(marks.settleUntil).toBe(1_000_000 + SETTLE_MS);
    await waitFor(() => at.length >= 3, { timeoutMs: 5000, what: "three evaluations while settling" });
    // Past the settle time, with nothing new: no more evaluations.
    clock += SETTLE_MS;
    const settled = await waitFor(
      async () => {
        const n = at.length;
        await new Promise((r) => setTimeout(r, 50)); // ten ticks of 5 ms
        return at.length === n ? n : false;
      },
      { timeoutMs: 5000, what: "evaluations to stop after the settle time" },
    );
    expect(at.length).toBe(settled);
    await loop.stop();
  });
});
