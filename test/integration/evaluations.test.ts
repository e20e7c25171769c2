/**
 * The evaluations role on real NATS and ClickHouse: a failure burst on one CDN, sent through the
 * edge, fires exactly one `analytics.alert.fired` (read back from the analytics stream) while the
 * role re-evaluates every 200 ms; GET /v1/alerts?state=firing shows it; after the burst ends,
 * exactly one `analytics.alert.resolved`, and nothing more however many evaluations follow. A rule
 * deleted while it fires resolves its key once, with `reason: "rule_deleted"`.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { cdnFailureRule, cdnViews } from "../helpers/alert-workload.ts";
import { analyticsStreamName, type AlertEvent } from "../../src/events/index.ts";
import { createKey } from "../../src/keys/index.ts";
import { startPipeline, waitFor, type Pipeline } from "../helpers/index.ts";
import { openJetStream, type JetStreamProbe } from "../helpers/jetstream.ts";

const RULE = cdnFailureRule();

const admin = createKey("ops", ["admin"]);
let p: Pipeline;
let js: JetStreamProbe;

const views = cdnViews("v");

/** Every alert event in the analytics stream, each checked to carry its id as its Nats-Msg-Id. */
async function announced(): Promise<AlertEvent[]> {
  const messages = await js.messages(analyticsStreamName(p.config.stream.name));
  for (const m of messages) expect(m.dedupId).toBe(m.body.id);
  return messages.map((m) => m.body as unknown as AlertEvent);
}

beforeAll(async () => {
  p = await startPipeline({
    natsUrl: inject("natsUrl"),
    clickhouseUrl: inject("clickhouseUrl"),
    roles: ["ingest", "query", "analytics", "evaluations"],
    env: {
      PLAYPULSE_KEYS: admin.line,
      PLAYPULSE_ALERT_RULES: JSON.stringify([RULE]),
      PLAYPULSE_EVALUATION_INTERVAL_MS: "200",
    },
  });
  js = await openJetStream(inject("natsUrl"));
}, 60_000);

afterAll(async () => {
  await js?.close();
  await p?.stop();
});

describe("evaluations: a failure burst on one CDN", () => {
  it("fires exactly once, shows as firing, resolves exactly once after the burst", async () => {
    expect((await p.send([...views("cdn-a", 30, 0), ...views("cdn-b", 30, 0)])).status).toBe(202);
    // The burst: half of cdn-b's views fail, for about 3 s, while cdn-a stays healthy.
    const burstEnd = Date.now() + 3000;
    while (Date.now() < burstEnd) {
      expect((await p.send([...views("cdn-a", 10, 0), ...views("cdn-b", 10, 2)])).status).toBe(202);
      await new Promise((r) => setTimeout(r, 250));
    }
    await waitFor(async () => (await announced()).length >= 1, {
      timeoutMs: 20_000,
      intervalMs: 200,
      what: "the alert fired",
    });
    const firing = await p.get("/v1/alerts?state=firing");
    const [fired] = await announced();
    expect(fired).toMatchObject({
      type: "analytics.alert.fired",
      schema_version: 1,
      rule_id: "cdn_failures",
      key: { dimension: "cdn", value: "cdn-b" },
      metric: "failure_rate",
      threshold: 0.05,
      comparison: ">",
      window_seconds: 10,
      state: "firing",
    });
    expect(fired?.id).toMatch(/^alert\.fired\.cdn_failures\.[0-9a-f]{32}$/);
    expect(fired?.value).toBeGreaterThan(0.05);
    expect(firing).toMatchObject({ status: 200, body: { state: "firing", alerts: [fired] } });

    // No more events: the window empties, two clear evaluations in a row resolve it.
    await waitFor(async () => (await announced()).length >= 2, {
      timeoutMs: 30_000,
      intervalMs: 250,
      what: "the alert resolved",
    });
    // Ten more evaluation intervals: the stream holds the two events all along, nothing more.
    for (const until = Date.now() + 2000; Date.now() < until;) expect((await announced()).length).toBe(2);
    const all = await announced();
    expect(all.map((e) => [e.type, e.key.value, e.fired_at])).toEqual([
      ["analytics.alert.fired", "cdn-b", fired?.fired_at],
      ["analytics.alert.resolved", "cdn-b", fired?.fired_at],
    ]);
    expect(all[1]).toMatchObject({ state: "resolved", resolved_at: expect.any(String) as unknown });
    expect((await p.get("/v1/alerts?state=firing")).body).toMatchObject({ alerts: [] });
    expect((await p.get("/v1/alerts?state=resolved")).body).toMatchObject({ alerts: [all[1]] });
  }, 90_000);
  it("resolves a firing key of a rule deleted over the API once, with reason rule_deleted", async () => {
    const rule = { ...RULE, id: "api_cdn_failures", window_seconds: 60 };
    const call = async (method: string, path: string, body?: object) => {
      const res = await fetch(`${p.baseUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${admin.key}`, "content-type": "application/json" },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      return res.status;
    };
    const ofRule = async () => (await announced()).filter((e) => e.rule_id === rule.id);
    expect(await call("POST", "/v1/alerts/rules", rule)).toBe(201);
    expect((await p.send([...views("cdn-c", 20, 2)])).status).toBe(202);
    // Its 60 s window also holds the first test's burst on cdn-b (when that ran first): each key fires.
    const fired = await waitFor(
      async () => {
        const events = await ofRule();
        return events.some((e) => e.key.value === "cdn-c") ? events : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 200, what: "the API rule fired for cdn-c" },
    );
    expect(fired.every((e) => e.type === "analytics.alert.fired")).toBe(true);

    // Deleted while its keys fire (the window still holds the failures): each resolves once, at once.
    expect(await call("DELETE", `/v1/alerts/rules/${rule.id}`)).toBe(200);
    const all = await waitFor(async () => ((await ofRule()).length >= 2 * fired.length ? ofRule() : undefined), {
      timeoutMs: 10_000,
      intervalMs: 200,
      what: "the deleted rule's keys resolved",
    });
    for (const until = Date.now() + 2000; Date.now() < until;) expect((await ofRule()).length).toBe(2 * fired.length);
    expect(all.slice(fired.length)).toEqual(
      fired.map((f) => ({
        ...f,
        id: expect.stringMatching(/^alert\.resolved\.api_cdn_failures\.[0-9a-f]{32}$/) as unknown,
        type: "analytics.alert.resolved",
        state: "resolved",
        value: null,
        resolved_at: expect.any(String) as unknown,
        reason: "rule_deleted",
      })),
    );
    const listed = (await p.get(`/v1/alerts?state=firing`)).body as { alerts: AlertEvent[] };
    expect(listed.alerts.filter((a) => a.rule_id === rule.id)).toEqual([]);
  }, 60_000);
});
