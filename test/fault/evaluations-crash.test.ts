/**
 * The evaluations role killed with `kill -9` while it judges a failure burst on one CDN (issue 11's
 * proof, docs/alerts.md): during the burst before it fires, while the webhook of the `fired`
 * event is being delivered (the receiver holds its answer), and as the burst ends.
 * Each time a new process restores the firing keys from the analytics stream. Exactly one
 * `fired` and one `resolved` event reach the stream, the receiver gets exactly one delivery id per
 * event (a delivery cut by the kill is retried under the same id), and GET /v1/alerts agrees.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { analyticsStreamName, type AlertEvent } from "../../src/events/index.ts";
import { verifyWebhook } from "../../src/webhooks/index.ts";
import { cdnFailureRule, cdnViews } from "../helpers/alert-workload.ts";
import { openJetStream } from "../helpers/jetstream.ts";
import { holdFor, report, startClickHouse, startNats, startPipeline, waitFor } from "../helpers/index.ts";
import { spawnRole, type RoleProcess } from "../helpers/roles.ts";

const SECRET = "whsec_fault_evaluations";
const RULE = cdnFailureRule({ hysteresis: { ratio: 0.2, clear_evaluations: 3 } });

interface Delivery {
  delivery: string;
  event: string;
  body: string;
  verified: boolean;
}

/** A webhook receiver on 127.0.0.1 that records every POST; the first `fired` one waits for `release()`. */
async function holdingReceiver() {
  const got: Delivery[] = [];
  let release: () => void = () => undefined;
  const released = new Promise<void>((resolve) => (release = resolve));
  let held = false;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const header = req.headers["playpulse-signature"] as string | undefined;
      const event = String(req.headers["playpulse-event"]);
      got.push({
        delivery: String(req.headers["playpulse-delivery"]),
        event,
        body,
        verified: verifyWebhook(SECRET, header, body, Date.now() / 1000).ok,
      });
      const answer = () => {
        if (!res.destroyed) res.writeHead(204).end();
      };
      if (event.endsWith("analytics.alert.fired") && !held) {
        held = true;
        void released.then(answer);
      } else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    got,
    release: () => release(),
    close: () => {
      release();
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe("fault: evaluations crash", () => {
  it("kill -9 of the evaluations role before the fire, mid-delivery and as the burst ends: one alert, one delivery each, one resolution", async () => {
    await using nats = await startNats();
    await using clickhouse = await startClickHouse();
    const receiver = await holdingReceiver();
    const env = {
      PLAYPULSE_ALERT_RULES: JSON.stringify([RULE]),
      PLAYPULSE_EVALUATION_INTERVAL_MS: "200",
      PLAYPULSE_WEBHOOK_URLS: receiver.url,
      PLAYPULSE_WEBHOOK_SECRET: SECRET,
      PLAYPULSE_WEBHOOK_TIMEOUT_MS: "1000",
      PLAYPULSE_ACK_WAIT_SECONDS: "3",
    };
    const p = await startPipeline({
      natsUrl: nats.url,
      clickhouseUrl: clickhouse.url,
      roles: ["ingest", "query", "analytics"],
      env,
    });
    const js = await openJetStream(nats.url);
    let evaluations: RoleProcess | undefined;
    const kills: string[] = [];
    try {
      const spawnEvaluations = async () =>
        (evaluations = await spawnRole(["evaluations"], {
          env: { ...p.env, PLAYPULSE_LOG_LEVEL: "info" },
          name: "evaluations",
        }));
      const kill = async (when: string) => {
        await evaluations?.kill9();
        kills.push(when);
        await spawnEvaluations();
      };
      const announced = async () =>
        (await js.messages(analyticsStreamName(p.config.stream.name))).map((m) => {
          expect(m.dedupId).toBe(m.body.id);
          return m.body as unknown as AlertEvent;
        });
      await spawnEvaluations();

      const views = cdnViews("fe");
      expect((await p.send([...views("cdn-a", 30, 0), ...views("cdn-b", 30, 0)])).status).toBe(202);
      // The burst: half of cdn-b's views fail, for at least 4 s and until the role was killed twice:
      // in the burst's first second, before it fired; and once it fired, while the receiver holds
      // the fired event's webhook (a delivery in flight).
      const fired = (d: Delivery) => d.event.endsWith("analytics.alert.fired");
      const burstStart = Date.now();
      while (Date.now() < burstStart + 4000 || kills.length < 2) {
        expect((await p.send([...views("cdn-a", 10, 0), ...views("cdn-b", 10, 2)])).status).toBe(202);
        if (kills.length === 0) await kill("during the burst, before the alert fired");
        else if (kills.length === 1 && receiver.got.some(fired)) {
          await kill("mid-delivery of the fired webhook");
          receiver.release();
        }
        if (Date.now() > burstStart + 60_000) throw new Error("the alert did not fire within 60 s of burst");
        await holdFor(250);
      }
      // The burst ends; the role is killed at once, while the alert still fires, then it clears.
      const firingAtLastKill = (await announced()).length === 1;
      await kill("as the burst ended");
      await waitFor(async () => (await announced()).length >= 2, {
        timeoutMs: 60_000,
        intervalMs: 250,
        what: "the alert resolved",
      });
      await waitFor(() => new Set(receiver.got.map((d) => d.delivery)).size >= 2, {
        timeoutMs: 30_000,
        intervalMs: 100,
        what: "both webhooks delivered",
      });

      // Five more seconds of evaluations: nothing more in the stream, no new delivery id.
      for (const until = Date.now() + 5000; Date.now() < until;) {
        expect((await announced()).length).toBe(2);
        expect(new Set(receiver.got.map((d) => d.delivery)).size).toBe(2);
      }
      const all = await announced();
      expect(all.map((e) => [e.type, e.rule_id, e.key.value])).toEqual([
        ["analytics.alert.fired", "cdn_failures", "cdn-b"],
        ["analytics.alert.resolved", "cdn_failures", "cdn-b"],
      ]);
      expect(all[1]?.fired_at).toBe(all[0]?.fired_at);
      // Each event delivered under one delivery id, every attempt signed and carrying the event as stored.
      const byDelivery = new Map<string, Delivery[]>();
      for (const d of receiver.got) byDelivery.set(d.delivery, [...(byDelivery.get(d.delivery) ?? []), d]);
      expect(
        [...byDelivery.values()].map((ds) => ({
          events: [...new Set(ds.map((d) => JSON.parse(d.body) as AlertEvent).map((e) => e.id))],
          verified: ds.every((d) => d.verified),
        })),
      ).toEqual(all.map((e) => ({ events: [e.id], verified: true })));
      // The held attempt was cut by the kill, never answered: the fired event was tried again, same id.
      expect(byDelivery.get(receiver.got.find(fired)?.delivery ?? "")?.length).toBeGreaterThanOrEqual(2);
      expect((await p.get("/v1/alerts?state=firing")).body).toMatchObject({ alerts: [] });
      expect((await p.get("/v1/alerts?state=resolved")).body).toMatchObject({ alerts: [all[1]] });
      report("evaluations-crash", {
        kills,
        firingAtLastKill,
        deliveryAttempts: receiver.got.length,
        deliveryIds: byDelivery.size,
      });
    } finally {
      await evaluations?.kill9();
      await js.close();
      await p.stop();
      await receiver.close();
    }
  });
});
