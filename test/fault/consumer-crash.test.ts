import { describe, expect, it } from "vitest";
import { waitFor } from "../helpers/index.ts";
import {
  expectCleanLoad,
  expectExactlyOnceEffect,
  holdFor,
  phasesAtDeath,
  report,
  seconds,
  startRig,
  type FaultPhase,
} from "../helpers/index.ts";

/**
 * How each kill is timed:
 * - "stored": on the fault hook's "stored" line, while the acks are held (after the insert, before the ack);
 * - "writing": ClickHouse is SIGSTOPped first, so no insert can finish; the kill lands once one of
 *   the process's loops is inside an insert ("writing" is its latest phase). ClickHouse continues
 *   afterwards and may or may not complete the orphaned insert;
 * - "random": at a random moment, whatever the consumer was doing.
 */
const KILLS = ["stored", "writing", "random", "stored", "writing", "random"] as const;

describe("fault: consumer crash", () => {
  it("kill -9 of consumer processes mid-batch, six times, loses no event and counts none twice", async () => {
    await using rig = await startRig({
      consumers: 2,
      env: { PLAYPULSE_ACK_WAIT_SECONDS: "4" },
      consumerEnv: { PLAYPULSE_FAULT_DELAY_AFTER_WRITE_MS: "300" },
    });
    const load = rig.load();
    await load.confirmedAtLeast(1000, 60_000);
    const steadyLag = rig.lag.peak(Date.now() - 3000);

    const kills: {
      how: string;
      victim: string;
      phases: Record<string, FaultPhase>;
      peakLag: number;
      recoverySeconds: number;
      redeliveries: number;
    }[] = [];
    for (const [n, how] of KILLS.entries()) {
      const i = n % rig.consumers.length;
      const victim = rig.consumers[i];
      if (victim === undefined) throw new Error(`no consumer ${i}`);
      const before = await rig.lag.current();
      if (how === "stored") {
        const from = victim.lines().length;
        await victim.waitForLog((l) => l.msg === "fault hook" && l.phase === "stored", {
          from,
          timeoutMs: 30_000,
          what: "a stored batch",
        });
      } else if (how === "writing") {
        rig.clickhouse.pause();
        // With ClickHouse stopped, a loop whose latest phase is "writing" stays inside its insert.
        await waitFor(() => Object.values(phasesAtDeath(victim)).includes("writing"), {
          timeoutMs: 30_000,
          intervalMs: 10,
          what: `${victim.name} inside an insert`,
        });
      } else {
        await holdFor(200 + Math.floor(Math.random() * 1500));
      }
      const killedAt = Date.now();
      await victim.kill9();
      if (how === "writing") rig.clickhouse.resume();
      // Every event confirmed before the kill is at or below this stream sequence.
      const seq = (await rig.lag.current()).lastSeq;
      const phases = phasesAtDeath(victim);
      await rig.restartConsumer(i);
      const recoveredAt = await rig.lag.caughtUpAt(seq, killedAt, 60_000);
      kills.push({
        how,
        victim: victim.name,
        phases,
        peakLag: rig.lag.peak(killedAt, recoveredAt),
        recoverySeconds: seconds(recoveredAt - killedAt),
        redeliveries: (await rig.lag.current()).redeliveries - before.redeliveries,
      });
      await load.confirmedAtLeast(300, 60_000);
    }

    await load.stop();
    expectCleanLoad(load);
    const settled = await expectExactlyOnceEffect(rig, load.confirmed);

    // The kills hit both dangerous phases: during an insert and between insert and ack.
    const hit = (phase: FaultPhase) => kills.filter((k) => Object.values(k.phases).includes(phase)).length;
    expect({ writing: hit("writing") >= 2, stored: hit("stored") >= 2 }).toEqual({ writing: true, stored: true });

    report("consumer-crash", {
      steadyLag,
      kills,
      events: settled.events,
      redeliveries: settled.redeliveries,
      unmergedDuplicateRows: settled.duplicateRows,
      drainSeconds: seconds(settled.drainSeconds * 1000),
      load: load.stats().byStatus,
    });
  });
});
