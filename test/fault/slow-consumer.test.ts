import { describe, expect, it } from "vitest";
import { expectCleanLoad, expectExactlyOnceEffect, holdFor, report, seconds, startRig } from "../helpers/index.ts";

const ACK_WAIT_SECONDS = 3;
const PAUSE_MS = 10_000;
/** A generous ceiling for one consumer process (three consumers, batches of 500): it idles near 150 MB. */
const RSS_LIMIT_KB = 512 * 1024;

describe("fault: slow consumer", () => {
  it("a consumer SIGSTOPped past its ack wait loses nothing, its batch is redelivered and counted once, and its memory stays bounded", async () => {
    await using rig = await startRig({
      consumers: 2,
      env: { PLAYPULSE_ACK_WAIT_SECONDS: String(ACK_WAIT_SECONDS) },
      consumerEnv: { PLAYPULSE_FAULT_DELAY_AFTER_WRITE_MS: "300" },
    });
    const [victim] = rig.consumers;
    if (victim === undefined) throw new Error("no consumer");
    const rss: number[] = [];
    const sampler = setInterval(() => {
      void victim.rssKb().then((kb) => kb !== undefined && rss.push(kb));
    }, 250);
    try {
      const load = rig.load();
      await load.confirmedAtLeast(1000, 60_000);
      const baseline = rig.lag.peak(Date.now() - 3000);
      const redeliveriesBefore = (await rig.lag.current()).redeliveries;

      // Freeze the consumer while it holds a stored but unacked batch, for more than three ack waits.
      const from = victim.lines().length;
      await victim.waitForLog((l) => l.msg === "fault hook" && l.phase === "stored", {
        from,
        timeoutMs: 30_000,
        what: "a stored batch",
      });
      victim.pause();
      const pausedAt = Date.now();
      await holdFor(PAUSE_MS);
      const redeliveredWhilePaused = (await rig.lag.current()).redeliveries - redeliveriesBefore;
      victim.resume();
      const resumedAt = Date.now();
      const recoveredAt = await rig.lag.caughtUpAt((await rig.lag.current()).lastSeq, resumedAt, 60_000);
      // It is alive and working again: it stores and acks batches after the pause.
      const after = victim.lines().length;
      await victim.waitForLog((l) => l.msg === "fault hook" && l.phase === "acked", {
        from: after,
        timeoutMs: 30_000,
        what: "a batch acked after SIGCONT",
      });
      await load.confirmedAtLeast(300, 60_000);
      await load.stop();
      expectCleanLoad(load);

      // JetStream redelivered the frozen consumer's messages (to the other process) after the ack wait.
      expect(redeliveredWhilePaused).toBeGreaterThan(0);
      const settled = await expectExactlyOnceEffect(rig, load.confirmed);
      const maxRss = Math.max(...rss);
      expect(rss.length).toBeGreaterThan(0);
      expect(maxRss).toBeLessThan(RSS_LIMIT_KB);
      report("slow-consumer", {
        pauseSeconds: seconds(resumedAt - pausedAt),
        ackWaitSeconds: ACK_WAIT_SECONDS,
        redeliveredWhilePaused,
        steadyLag: baseline,
        peakLag: rig.lag.peak(pausedAt, recoveredAt),
        recoverySeconds: seconds(recoveredAt - resumedAt),
        maxRssMb: Math.round(maxRss / 1024),
        events: settled.events,
        redeliveries: settled.redeliveries,
        unmergedDuplicateRows: settled.duplicateRows,
      });
    } finally {
      clearInterval(sampler);
    }
  });
});
