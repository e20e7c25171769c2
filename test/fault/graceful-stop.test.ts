import { describe, expect, it } from "vitest";
import type { RoleProcess } from "../helpers/roles.ts";
import { expectCleanLoad, expectExactlyOnceEffect, report, seconds, startRig } from "./harness.ts";

const STOP_ORDER = ["http: stop accepting", "ingest: finish in-flight publishes", "consumers: flush batches and ack", "nats: drain and close", "clickhouse: close"];

/** The report a process logged when it stopped: `{ clean, steps: [{ name, ok }] }`. */
function stopReport(p: RoleProcess): { clean: boolean; steps: { name: string; ok: boolean }[] } | undefined {
  const line = p.logs().find((l) => l.msg === "playpulse stopped");
  const r = line?.report as { clean: boolean; steps: { name: string; ok: boolean }[] } | undefined;
  return r && { clean: r.clean, steps: r.steps.map((s) => ({ name: s.name, ok: s.ok })) };
}

describe("fault: graceful stop", () => {
  it("SIGTERM to every role during load loses nothing and exits 0; a failed final flush exits 1 and is redelivered", async () => {
    await using rig = await startRig({ consumers: 2 });
    const load = rig.load();
    await load.confirmedAtLeast(1000, 60_000);
    const baseline = rig.lag.peak(Date.now() - 3000);

    // 1. SIGTERM to every process at once, under load.
    const all = [rig.ingest, rig.query, ...rig.consumers];
    const stopAt = Date.now();
    const t0 = setTimeout(() => { for (const p of all) console.log("DBG tail", p.name, p.exitStatus(), p.tail(6)); }, 20000);
    const codes = await Promise.all(all.map((p) => p.stop("SIGTERM")));
    clearTimeout(t0); console.log("DBG all stopped");
    const stoppedAt = Date.now();
    expect(codes).toEqual(all.map(() => 0));
    for (const p of all) expect({ name: p.name, report: stopReport(p) }).toEqual({ name: p.name, report: { clean: true, steps: STOP_ORDER.map((name) => ({ name, ok: true })) } });
    await rig.restartIngest();
    await Promise.all([rig.restartQuery(), rig.restartConsumer(0), rig.restartConsumer(1)]);
    const upAt = Date.now();
    const recoveredAt = await rig.lag.caughtUpAt((await rig.lag.current()).lastSeq, upAt, 60_000);
    await load.confirmedAtLeast(500, 60_000);

    // 2. A final flush that fails: ClickHouse is down when the only consumer process gets SIGTERM.
    const [first, second] = rig.consumers;
    if (first === undefined || second === undefined) throw new Error("two consumers expected");
    console.log("DBG stopping second"); expect(await second.stop("SIGTERM")).toBe(0); console.log("DBG second stopped");
    const from = first.lines().length;
    await rig.clickhouse.kill9();
    await first.waitForLog((l) => l.msg === "batch write failed; backlog stays in JetStream", { from, timeoutMs: 30_000, what: "a failed batch write" });
    const redeliveriesBefore = (await rig.lag.current()).redeliveries;
    console.log("DBG stopping first"); const t = setTimeout(() => console.log("DBG first tail", first.tail(15)), 20000); expect(await first.stop("SIGTERM")).toBe(1); clearTimeout(t); console.log("DBG first stopped");
    expect(stopReport(first)).toEqual({ clean: false, steps: STOP_ORDER.map((name) => ({ name, ok: name !== "consumers: flush batches and ack" })) });
    await rig.clickhouse.restart();
    await rig.restartConsumer(0);
    await load.confirmedAtLeast(300, 60_000);
    await load.stop();
    expectCleanLoad(load);

    const settled = await expectExactlyOnceEffect(rig, load.confirmed);
    // The batch the first process could not store went back to JetStream and to the next process.
    const redelivered = (await rig.lag.current()).redeliveries - redeliveriesBefore;
    expect(redelivered).toBeGreaterThan(0);
    report("graceful-stop", {
      stopSeconds: seconds(stoppedAt - stopAt),
      connectionErrorsWhileDown: load.stats().byStatus["0"] ?? 0,
      steadyLag: baseline,
      peakLag: rig.lag.peak(stopAt, recoveredAt),
      recoverySeconds: seconds(recoveredAt - upAt),
      redeliveredAfterFailedFlush: redelivered,
      events: settled.events,
      redeliveries: settled.redeliveries,
      duplicateRowsWritten: settled.duplicateRows,
    });
  });
});
