/**
 * Webhook delivery over real JetStream to real receivers on 127.0.0.1: one durable and one loop
 * per endpoint (src/webhooks). A healthy endpoint gets each alert event once; a flaky one gets
 * the same delivery id on every attempt until it answers 2xx; a dead one is dead-lettered after
 * its third attempt instead of being retried for ever; a republished event (same Nats-Msg-Id) is
 * not delivered again.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { DiscardPolicy, jetstream, jetstreamManager, RetentionPolicy, StorageType } from "@nats-io/jetstream";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { connectBus, DLQ_HEADERS, type BusConnection, type ConsumeLoop } from "../../src/bus/index.ts";
import { dlqCommand } from "../../src/cli/dlq/index.ts";
import { subjectNames } from "../../src/events/index.ts";
import { createLogger } from "../../src/telemetry/logger.ts";
import { provisionWebhooks, startWebhookLoops, verifyWebhook, webhookEndpoint } from "../../src/webhooks/index.ts";
import { uniqueNamespace, waitFor } from "../helpers/index.ts";

interface Receiver {
  url: string;
  got: { delivery: string; attempt: string; event: string; body: string; verified: boolean }[];
  server: Server;
}

const secret = "whsec_integration";

async function receiver(statuses: number[]): Promise<Receiver> {
  const got: Receiver["got"] = [];
  const server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const header = req.headers["playpulse-signature"] as string | undefined;
      got.push({
        delivery: String(req.headers["playpulse-delivery"]),
        attempt: String(req.headers["playpulse-attempt"]),
        event: String(req.headers["playpulse-event"]),
        body,
        verified: verifyWebhook(secret, header, body, Date.now() / 1000).ok,
      });
      res.writeHead(statuses.shift() ?? 204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, got, server };
}

const ns = uniqueNamespace("wh");
const subjects = subjectNames(ns);
const stream = `WH_${ns.toUpperCase()}`;
const dlqStream = `${stream}_DLQ`;
const alerts = [
  { id: "alert:cdn-failures:cdn=edge-b:fired:1767225600", subject: `${ns}.analytics.alert.fired`, state: "firing" },
  {
    id: "alert:cdn-failures:cdn=edge-b:resolved:1767226200",
    subject: `${ns}.analytics.alert.resolved`,
    state: "resolved",
  },
];

let bus: BusConnection;
let loops: ConsumeLoop[] = [];
const receivers: Record<"healthy" | "flaky" | "dead", Receiver | undefined> = {
  healthy: undefined,
  flaky: undefined,
  dead: undefined,
};

beforeAll(async () => {
  const logger = createLogger("silent");
  bus = await connectBus(inject("natsUrl"), "webhooks-test", logger);
  const jsm = await jetstreamManager(bus.nc);
  const common = { storage: StorageType.File, retention: RetentionPolicy.Limits, discard: DiscardPolicy.New };
  await jsm.streams.add({ ...common, name: stream, subjects: [`${ns}.analytics.>`] });
  await jsm.streams.add({ ...common, name: dlqStream, subjects: [subjects.dlqWildcard] });

  receivers.healthy = await receiver([]);
  receivers.flaky = await receiver([503, 500]);
  // Down: 503 to every attempt it gets (three per delivery, then the delivery is given up).
  const dead = await receiver(Array<number>(6).fill(503));
  receivers.dead = dead;

  const settings = {
    urls: [receivers.healthy.url, receivers.flaky.url, dead.url],
    secret,
    maxAttempts: 3,
    timeoutMs: 2000,
  };
  const source = { stream, filterSubject: `${ns}.analytics.alert.>` };
  await provisionWebhooks(bus.nc, source, settings, 30_000);
  loops = startWebhookLoops({ bus, logger, source, settings, dlqSubject: (c, s) => subjects.dlq(c, s) });

  const js = jetstream(bus.nc);
  for (const a of alerts) {
    const body = JSON.stringify({ rule_id: "cdn-failures", key: { cdn: "edge-b" }, state: a.state });
    await js.publish(a.subject, body, { msgID: a.id });
  }
  // The evaluator announcing the same state change again (after a restart): JetStream drops it.
  const again = await js.publish(alerts[0]!.subject, "{}", { msgID: alerts[0]!.id });
  expect(again.duplicate).toBe(true);
}, 60_000);

afterAll(async () => {
  await Promise.all(loops.map((l) => l.stop()));
  for (const r of [receivers.healthy, receivers.flaky, receivers.dead])
    if (r) await new Promise((resolve) => r.server.close(resolve));
  const jsm = await jetstreamManager(bus.nc);
  await jsm.streams.delete(stream).catch(() => undefined);
  await jsm.streams.delete(dlqStream).catch(() => undefined);
  await bus.close();
});

const ids = alerts.map((a) => a.id);

describe("webhook delivery", () => {
  it("delivers each alert event once to a healthy endpoint, in order, signed", async () => {
    const r = receivers.healthy!;
    const id = webhookEndpoint(r.url).id;
    await waitFor(() => r.got.length >= 2, { timeoutMs: 20_000, what: "two deliveries" });
    expect(r.got.map((g) => [g.delivery, g.attempt, g.event, g.verified])).toEqual([
      [`${ids[0]}:${id}`, "1", alerts[0]!.subject, true],
      [`${ids[1]}:${id}`, "1", alerts[1]!.subject, true],
    ]);
  });

  it("retries a flaky endpoint with the same delivery id, then moves on", async () => {
    const r = receivers.flaky!;
    const id = webhookEndpoint(r.url).id;
    await waitFor(() => r.got.length >= 4, { timeoutMs: 30_000, what: "four requests" });
    expect(r.got.map((g) => [g.delivery, g.attempt])).toEqual([
      [`${ids[0]}:${id}`, "1"],
      [`${ids[0]}:${id}`, "2"],
      [`${ids[0]}:${id}`, "3"],
      [`${ids[1]}:${id}`, "1"],
    ]);
  });

  it("dead-letters each delivery to a dead endpoint after its last attempt", async () => {
    const consumer = `webhooks-${webhookEndpoint(receivers.dead!.url).id}`;
    const jsm = await jetstreamManager(bus.nc);
    await waitFor(async () => (await jsm.streams.info(dlqStream)).state.messages >= 2, {
      timeoutMs: 40_000,
      what: "two dead letters",
    });
    const letters = [];
    for (let seq = 1; seq <= 2; seq++) {
      const m = await jsm.streams.getMessage(dlqStream, { seq });
      letters.push([
        m?.subject,
        m?.header.get(DLQ_HEADERS.consumer),
        m?.header.get(DLQ_HEADERS.msgId),
        m?.header.get(DLQ_HEADERS.attempts),
        m?.header.get(DLQ_HEADERS.error),
      ]);
    }
    const reason = `webhook gave up after 3 attempts: ${receivers.dead!.url} answered 503`;
    const id = webhookEndpoint(receivers.dead!.url).id;
    expect(receivers.dead!.got.map((g) => [g.delivery, g.attempt])).toEqual(
      ids.flatMap((e) => ["1", "2", "3"].map((n) => [`${e}:${id}`, n])),
    );
    expect(letters).toEqual(alerts.map((a) => [subjects.dlq(consumer, a.subject), consumer, a.id, "3", reason]));
    // Nothing left pending on any endpoint's durable.
    for (const url of [receivers.healthy!.url, receivers.flaky!.url, receivers.dead!.url]) {
      const info = await jsm.consumers.info(stream, `webhooks-${webhookEndpoint(url).id}`);
      expect([info.num_pending, info.num_ack_pending]).toEqual([0, 0]);
    }
    expect((await jsm.streams.info(dlqStream)).state.messages).toBe(2);
  }, 60_000);

  it("redrives them with playpulse dlq: to that endpoint only, under the same delivery ids, then removes them", async () => {
    const dead = receivers.dead!;
    const consumer = `webhooks-${webhookEndpoint(dead.url).id}`;
    const before = { healthy: receivers.healthy!.got.length, flaky: receivers.flaky!.got.length };
    const out: string[] = [];
    const code = await dlqCommand(["redrive", "--consumer", consumer], {
      env: {
        NATS_URL: inject("natsUrl"),
        PLAYPULSE_STREAM: stream,
        PLAYPULSE_SUBJECT_PREFIX: ns,
        PLAYPULSE_WEBHOOK_URLS: [receivers.healthy!.url, receivers.flaky!.url, dead.url].join(","),
        PLAYPULSE_WEBHOOK_SECRET: secret,
        PLAYPULSE_LOG_LEVEL: "silent",
      },
      out: (text) => out.push(text),
      err: () => undefined,
      tty: false,
    });
    expect([code, out.join("")]).toEqual([
      0,
      "redriven: 2\nalready redriven before (removed now): 0\nheld back: 0\nfailed: 0\n",
    ]);
    const id = webhookEndpoint(dead.url).id;
    // The endpoint is up now (it answered 503 six times, then 204): one more attempt each, signed.
    expect(dead.got.slice(6).map((g) => [g.delivery, g.attempt, g.verified])).toEqual(
      ids.map((e) => [`${e}:${id}`, "4", true]),
    );
    expect({ healthy: receivers.healthy!.got.length, flaky: receivers.flaky!.got.length }).toEqual(before);
    const jsm = await jetstreamManager(bus.nc);
    expect((await jsm.streams.info(dlqStream)).state.messages).toBe(0);
  });
});
