/**
 * Recommendations that avoid what is failing now (docs/alerts.md#demotion), on real NATS and
 * ClickHouse with every role: failures injected for one title on one CDN fire a per-title alert;
 * that title leaves the top of the recommendations of a viewer on that CDN, with a `demoted`
 * reason, within the alert's window plus 10 s, and of no one else; when the alert resolves the
 * title comes back. The alert events are read back from the analytics stream.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { analyticsStreamName, type AlertEvent } from "../../src/events/index.ts";
import { catalogEvents } from "../helpers/dashboard-workload.ts";
import { startPipeline, waitFor, type Pipeline } from "../helpers/index.ts";
import { openJetStream, type JetStreamProbe } from "../helpers/jetstream.ts";

const WINDOW_S = 10;
const RULE = {
  id: "title_cdn_failures",
  metric: "failure_rate",
  threshold: 0.2,
  window_seconds: WINDOW_S,
  min_volume: 10,
  split_by: "cdn",
  per_title: true,
  hysteresis: { ratio: 0.2, clear_evaluations: 2 },
};

interface Rec {
  video_id: string;
  reason: string;
  demoted?: { rule_id: string; where: string; reason: string };
}

let p: Pipeline;
let js: JetStreamProbe;
let n = 0;

/** One view of `video` on `cdn` by `user`, dated now: played, or failed fatally. */
function view(user: string, video: string, cdn: string, failed: boolean): object[] {
  const v = `dv${n++}`;
  const base = { user_id: user, view_id: v, video_id: video, position_ms: 0, cdn, timestamp: new Date().toISOString() };
  return [
    { ...base, id: `${v}.req`, type: "user.video.play_requested" },
    failed
      ? { ...base, id: `${v}.fail`, type: "user.video.failed", error_code: "E_SEGMENT_404", fatal: true }
      : { ...base, id: `${v}.play`, type: "user.video.played", startup_ms: 600 },
  ];
}

async function recs(user: string): Promise<Rec[]> {
  const r = await p.get(`/v1/users/${user}/recommendations?limit=3`);
  expect(r.status).toBe(200);
  return (r.body as { items: Rec[] }).items;
}
const ids = (items: Rec[]) => items.map((i) => `${i.video_id}${i.demoted ? " (demoted)" : ""}`);

async function announced(): Promise<AlertEvent[]> {
  const messages = await js.messages(analyticsStreamName(p.config.stream.name));
  return messages.map((m) => m.body as unknown as AlertEvent).filter((e) => e.rule_id === RULE.id);
}

beforeAll(async () => {
  p = await startPipeline({
    natsUrl: inject("natsUrl"),
    clickhouseUrl: inject("clickhouseUrl"),
    env: { PLAYPULSE_ALERT_RULES: JSON.stringify([RULE]), PLAYPULSE_EVALUATION_INTERVAL_MS: "200" },
  });
  js = await openJetStream(inject("natsUrl"));
  // Titles, and plays that rank them m1 > m2 > m3 in trending whatever their exact times: m1 8,
  // m2 5, m3 3 (one fan and the two viewers below), all by other users on cdn-a.
  const plays = [
    ...Array.from({ length: 8 }, (_, i) => view(`fan${i}`, "m1", "cdn-a", false)),
    ...Array.from({ length: 5 }, (_, i) => view(`fan${i}`, "m2", "cdn-a", false)),
    ...Array.from({ length: 1 }, (_, i) => view(`fan${i}`, "m3", "cdn-a", false)),
    // The two viewers whose recommendations are watched: one on each CDN (their latest event says where).
    view("viewer-a", "m3", "cdn-a", false),
    view("viewer-b", "m3", "cdn-b", false),
  ].flat();
  expect((await p.send([...catalogEvents(p.ns, Date.now()), ...plays])).status).toBe(202);
  await waitFor(async () => ids(await recs("viewer-b")).join() === "m1,m2,m3", {
    timeoutMs: 60_000,
    what: "viewer-b's recommendations ranked m1, m2, m3 by trending",
  });
}, 90_000);

afterAll(async () => {
  await js?.close();
  await p?.stop();
});

describe("demotion: a title failing on one CDN", () => {
  it("leaves the top for viewers on that CDN only, within the window + 10 s, and comes back when the alert resolves", async () => {
    expect(ids(await recs("viewer-a"))).toEqual(["m1", "m2", "m3"]);
    // The burst: m1 fails on cdn-b for every view (12 ≥ min_volume), plays fine on cdn-a.
    const burst = [
      ...Array.from({ length: 12 }, (_, i) => view(`b${i}`, "m1", "cdn-b", true)),
      ...Array.from({ length: 12 }, (_, i) => view(`a${i}`, "m1", "cdn-a", false)),
    ].flat();
    expect((await p.send(burst)).status).toBe(202);
    const sent = Date.now();

    await waitFor(async () => ids(await recs("viewer-b")).join() === "m2,m3,m1 (demoted)", {
      timeoutMs: (WINDOW_S + 10) * 1000,
      intervalMs: 200,
      what: "m1 demoted for viewer-b within the alert's window + 10 s",
    });
    console.log(
      `DEMOTION m1 demoted for viewer-b ${((Date.now() - sent) / 1000).toFixed(1)} s after the burst was accepted`,
    );
    const [, , demoted] = await recs("viewer-b");
    expect(demoted?.demoted).toEqual({
      rule_id: RULE.id,
      where: "cdn cdn-b",
      reason: "alert title_cdn_failures is firing for this title on your CDN cdn-b",
    });
    // viewer-a watches on cdn-a, where m1 plays fine: untouched.
    expect(ids(await recs("viewer-a"))).toEqual(["m1", "m2", "m3"]);
    const fired = await announced();
    expect(fired.map((e) => [e.type, e.video_id, e.key])).toEqual([
      ["analytics.alert.fired", "m1", { dimension: "cdn", value: "cdn-b" }],
    ]);

    // No more failures: the window empties, the alert resolves (two clear evaluations) and m1 is back.
    await waitFor(async () => ids(await recs("viewer-b")).join() === "m1,m2,m3", {
      timeoutMs: (WINDOW_S + 20) * 1000,
      intervalMs: 200,
      what: "m1 back for viewer-b after the alert resolved",
    });
    expect((await announced()).map((e) => [e.type, e.video_id, e.key.value])).toEqual([
      ["analytics.alert.fired", "m1", "cdn-b"],
      ["analytics.alert.resolved", "m1", "cdn-b"],
    ]);
  }, 90_000);
});
