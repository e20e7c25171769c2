import { describe, expect, it } from "vitest";
import { waitFor } from "../helpers/index.ts";
import { expectCleanLoad, expectExactlyOnceEffect, report, seconds, startRig } from "../helpers/index.ts";

describe("fault: NATS restart", () => {
  it("answers 503 with Retry-After (never 202) while nats-server is down; retried events are stored exactly once", async () => {
    // A short ack wait: messages delivered just before the stop, whose acks were lost, come back after it.
    await using rig = await startRig({ consumers: 1, env: { PLAYPULSE_ACK_WAIT_SECONDS: "10" } });
    const load = rig.load();
    await load.confirmedAtLeast(500, 60_000);
    const baseline = rig.lag.peak(Date.now() - 3000);

    const stopAt = Date.now();
    await rig.nats.stop();
    const downFrom = Date.now();
    // The outage lasts at least 5 s and until the clients got at least ten answers in it.
    await waitFor(
      () => Date.now() - downFrom >= 5000 && load.responses.filter((r) => r.sentAt >= downFrom).length >= 10,
      {
        timeoutMs: 60_000,
        what: "ten answers while nats-server is down",
      },
    );
    const downTo = Date.now();
    await rig.nats.restart();
    const upAt = Date.now();
    const firstAccepted = await waitFor(
      () => load.responses.find((r) => r.sentAt >= upAt && r.status === 202)?.answeredAt,
      {
        timeoutMs: 60_000,
        what: "a 202 after the restart",
      },
    );
    await load.confirmedAtLeast(500, 60_000);
    const recoveredAt = await rig.lag.caughtUpAt((await rig.lag.current()).lastSeq, upAt, 60_000);
    await load.stop();
    expectCleanLoad(load);

    // While the broker was down: only 503s, each with Retry-After.
    const during = load.responses.filter((r) => r.sentAt >= downFrom && r.answeredAt <= downTo);
    expect(during.length).toBeGreaterThanOrEqual(10);
    expect(new Set(during.map((r) => `${r.status} ${r.error ?? ""} retry-after=${r.retryAfter}`))).toEqual(
      new Set(["503 broker_unavailable retry-after=1"]),
    );
    // Anywhere in the run: every 503 carried Retry-After, and no other failure was answered.
    const statuses = new Set(
      load.responses.map((r) => (r.status === 503 ? `503 retry-after=${r.retryAfter}` : String(r.status))),
    );
    expect(statuses).toEqual(new Set(["202", "503 retry-after=1"]));
    // The batches answered 503 were sent again and every one of their events confirmed.
    expect(load.stats().retries).toBeGreaterThanOrEqual(during.length);

    const settled = await expectExactlyOnceEffect(rig, load.confirmed);
    report("nats-restart", {
      outageSeconds: seconds(upAt - stopAt),
      answers503: load.stats().byStatus["503"] ?? 0,
      retries: load.stats().retries,
      duplicatesAnswered: load.stats().duplicates,
      firstAcceptedAfterRestartSeconds: seconds(firstAccepted - upAt),
      steadyLag: baseline,
      peakLag: rig.lag.peak(stopAt, recoveredAt),
      recoverySeconds: seconds(recoveredAt - upAt),
      events: settled.events,
      redeliveries: settled.redeliveries,
      unmergedDuplicateRows: settled.duplicateRows,
    });
  });
});
