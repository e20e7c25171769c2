import { describe, expect, it } from "vitest";
import { backoffMs } from "../../src/bus/index.ts";
import { expectCleanLoad, expectExactlyOnceEffect, holdFor, report, seconds, startRig } from "../helpers/index.ts";

const OUTAGE_MS = 20_000;

describe("fault: ClickHouse outage", () => {
  it("keeps answering 202 through a 20 s ClickHouse outage; consumers back off, keep the backlog in JetStream and catch up", async () => {
    // A short ack wait: a message in flight when a fetch is abandoned waits this long to come back.
    await using rig = await startRig({ consumers: 1, env: { PLAYPULSE_ACK_WAIT_SECONDS: "10" } });
    const consumer = rig.consumers[0];
    if (consumer === undefined) throw new Error("no consumer");
    const load = rig.load();
    await load.confirmedAtLeast(500, 60_000);
    const baseline = rig.lag.peak(Date.now() - 3000);

    const from = consumer.lines().length;
    await rig.clickhouse.kill9();
    const downAt = Date.now();
    await consumer.waitForLog((l) => l.msg === "batch write failed; backlog stays in JetStream", {
      from,
      timeoutMs: 30_000,
      what: "a failed batch write",
    });
    await holdFor(OUTAGE_MS - (Date.now() - downAt));
    const lastDownSample = rig.lag.samples.filter((s) => s.lag !== undefined).at(-1);
    const upFrom = Date.now();
    await rig.clickhouse.restart();
    const upAt = Date.now();
    const recoveredAt = await rig.lag.caughtUpAt((await rig.lag.current()).lastSeq, upAt, 120_000);
    await load.confirmedAtLeast(300, 60_000);
    await load.stop();
    expectCleanLoad(load);

    // Ingest never depended on ClickHouse: every answer during the outage was a 202.
    const during = load.responses.filter((r) => r.sentAt >= downAt && r.answeredAt <= upFrom);
    expect(during.length).toBeGreaterThan(0);
    expect(new Set(during.map((r) => r.status))).toEqual(new Set([202]));

    // The backlog stayed in JetStream: analytics had not acked anything confirmed during the outage.
    if (lastDownSample?.lag === undefined) throw new Error("no lag sample during the outage");
    const confirmedDuringOutage = load.responses
      .filter((r) => r.status === 202 && r.answeredAt >= downAt && r.answeredAt <= lastDownSample.t)
      .reduce((n, r) => n + r.events, 0);
    expect(lastDownSample.lag.analytics).toBeGreaterThanOrEqual(confirmedDuringOutage);

    // The consumers backed off exponentially with full jitter: a random wait up to 0.5 s, 1 s, 2 s, 4 s ... between attempts.
    const retries = consumer
      .logs(from)
      .filter((l) => l.msg === "batch write failed; backlog stays in JetStream" && l.consumer === "analytics")
      .map((l) => l.retryInMs);
    expect(retries.length).toBeGreaterThanOrEqual(4);
    for (const [i, ms] of retries.slice(0, 4).entries()) {
      expect(ms).toBeGreaterThanOrEqual(0);
      expect(ms).toBeLessThanOrEqual(backoffMs(i + 1));
    }

    const settled = await expectExactlyOnceEffect(rig, load.confirmed);
    report("clickhouse-outage", {
      outageSeconds: seconds(upAt - downAt),
      failedWritesLogged: retries.length,
      backoffsMs: retries,
      steadyLag: baseline,
      peakLag: rig.lag.peak(downAt, recoveredAt),
      recoverySeconds: seconds(recoveredAt - upAt),
      events: settled.events,
      redeliveries: settled.redeliveries,
      unmergedDuplicateRows: settled.duplicateRows,
      load: load.stats().byStatus,
    });
  });
});
