import { describe, expect, it } from "vitest";
import {
  expectCleanLoad,
  expectExactlyOnceEffect,
  holdFor,
  loggedAt,
  phasesAtDeath,
  report,
  seconds,
  startRig,
  type FaultPhase,
  type Rig,
} from "../helpers/index.ts";
import type { LogLine, RoleProcess } from "../helpers/roles.ts";

/**
 * How each kill is timed:
 * - "stored": on a fault hook "stored" line written less than half the ack hold ago, so the kill
 *   lands after the insert and before the ack;
 * - "writing": ClickHouse is SIGSTOPped first; the kill lands on a fault hook "writing" line the
 *   process wrote after the pause: that insert cannot finish before the kill. ClickHouse continues
 *   afterwards and may or may not complete the orphaned insert;
 * - "random": at a random moment, whatever the consumer was doing.
 */
const KILLS = ["stored", "writing", "random", "stored", "writing", "random"] as const;

/** PLAYPULSE_FAULT_DELAY_AFTER_WRITE_MS: each loop holds its acks this long after an insert. */
const ACK_HOLD_MS = 300;

const hook = (phase: FaultPhase) => (l: LogLine) => l.msg === "fault hook" && l.phase === phase;

/**
 * Waits until `victim` is where a kill of kind `how` should land.
 *
 * Lines are judged by the time the process wrote them (`loggedAt`), not by when the test read
 * them: a line can sit in the pipe while the loop that wrote it moves on. For "writing", an
 * insert that went out before the pause may have finished with its "stored" line still unread;
 * one whose "writing" line is stamped after the pause cannot have (ms stamps, so strictly later
 * than `Date.now()` read after the SIGSTOP was sent).
 */
async function untilKillPoint(rig: Rig, victim: RoleProcess, how: (typeof KILLS)[number]): Promise<void> {
  if (how === "random") return holdFor(200 + Math.floor(Math.random() * 1500));
  // A loop of the victim between insert and ack: it comes back for another batch within the hold.
  const stored = await victim.waitForLog((l) => hook("stored")(l) && Date.now() - loggedAt(l) < ACK_HOLD_MS / 2, {
    from: victim.lines().length,
    timeoutMs: 30_000,
    what: "a batch stored just now",
  });
  if (how === "stored") return;
  rig.clickhouse.pause();
  const pausedAt = Date.now();
  await victim.waitForLog((l) => hook("writing")(l) && loggedAt(l) > pausedAt, {
    from: victim.lines().length,
    timeoutMs: 30_000,
    what: `an insert begun after ClickHouse was paused (last stored at ${String(stored.time)})`,
  });
}

/**
 * Run twice: one event per message, and with the edge packing each request's events per subject
 * (PLAYPULSE_PACK_EVENTS, src/ingest/pack.ts), where a kill takes down batches of packs, a
 * redelivered pack stores its events again, and a half-written one leaves some of them stored.
 */
const MODES: { name: string; report: string; packs: boolean; env: Record<string, string> }[] = [
  { name: "one event per message", report: "consumer-crash", packs: false, env: {} },
  { name: "packed messages", report: "consumer-crash-packed", packs: true, env: { PLAYPULSE_PACK_EVENTS: "1" } },
];

describe.each(MODES)("fault: consumer crash ($name)", (mode) => {
  it("kill -9 of consumer processes mid-batch, six times, loses no event and counts none twice", async () => {
    await using rig = await startRig({
      consumers: 2,
      env: { PLAYPULSE_ACK_WAIT_SECONDS: "4", ...mode.env },
      consumerEnv: { PLAYPULSE_FAULT_DELAY_AFTER_WRITE_MS: String(ACK_HOLD_MS) },
    });
    const load = rig.load();
    await load.confirmedAtLeast(1000, 60_000);
    const steadyLag = rig.lag.peak(Date.now() - 3000);

    const kills: {
      how: (typeof KILLS)[number];
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
      await untilKillPoint(rig, victim, how);
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
    // Packed, the stream holds fewer messages than the events it stored (batches of 20 share types).
    expect((await rig.lag.current()).lastSeq < load.confirmed.size).toBe(mode.packs);

    // Each aimed kill hit its dangerous phase: during an insert, or between insert and ack.
    const aimed = kills.flatMap((k) => (k.how === "random" ? [] : [{ how: k.how, phases: k.phases }]));
    expect(aimed.map((k) => ({ how: k.how, hit: Object.values(k.phases).includes(k.how) }))).toEqual(
      aimed.map((k) => ({ how: k.how, hit: true })),
    );

    report(mode.report, {
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
