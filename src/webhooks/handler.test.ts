import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import type { InboundMessage } from "../bus/index.ts";
import { createWebhookHandler, webhookEndpoint } from "./handler.ts";
import { verifyWebhook } from "./signature.ts";

const secret = "whsec_handler_test";

interface Received {
  headers: IncomingMessage["headers"];
  body: string;
}

/** A real receiver on 127.0.0.1 answering the statuses given, in order (then 200). */
async function receiver(statuses: number[]): Promise<{ url: string; got: Received[]; server: Server }> {
  const got: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      got.push({ headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
      res.writeHead(statuses.shift() ?? 200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`, got, server };
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

const body = '{"rule_id":"cdn-failures","key":{"cdn":"edge-b"},"state":"firing"}';
function message(deliveryCount: number): InboundMessage {
  return {
    subject: "analytics.alert.fired",
    data: new TextEncoder().encode(body),
    header: (name) => (name === "Nats-Msg-Id" ? "alert:cdn-failures:cdn=edge-b:fired:1767225600" : undefined),
    streamSeq: 7,
    deliveryCount,
  };
}

/** Prepares message(deliveryCount) and writes it as the consume loop would. */
async function attempt(handler: ReturnType<typeof createWebhookHandler>, deliveryCount: number) {
  const msg = message(deliveryCount);
  const outcome = handler.prepare(msg);
  if (outcome.kind !== "ok") throw new Error(`prepare gave ${outcome.kind}`);
  return handler.write([{ msg, rows: outcome.rows }]);
}

describe("webhook handler against a real receiver", () => {
  it("retries a failing endpoint with the same delivery id until it answers 2xx, each attempt signed", async () => {
    const r = await receiver([503, 500]);
    servers.push(r.server);
    const endpoint = webhookEndpoint(r.url);
    const handler = createWebhookHandler({ endpoint, secret, timeoutMs: 5000, maxAttempts: 5 });

    await expect(attempt(handler, 1)).rejects.toThrow(`webhook delivery failed: ${r.url} answered 503`);
    await expect(attempt(handler, 2)).rejects.toThrow(`webhook delivery failed: ${r.url} answered 500`);
    await expect(attempt(handler, 3)).resolves.toEqual([]);

    expect(r.got.map((g) => g.headers["playpulse-delivery"])).toEqual(
      Array(3).fill(`alert:cdn-failures:cdn=edge-b:fired:1767225600:${endpoint.id}`),
    );
    expect(r.got.map((g) => g.headers["playpulse-attempt"])).toEqual(["1", "2", "3"]);
    for (const g of r.got) {
      expect(g.body).toBe(body);
      expect(g.headers["playpulse-event"]).toBe("analytics.alert.fired");
      const header = g.headers["playpulse-signature"] as string;
      expect(verifyWebhook(secret, header, g.body, Date.now() / 1000).ok).toBe(true);
    }
  });

  it("refuses (dead-letters) a dead endpoint on the last attempt, and a 410 at once", async () => {
    const dead = await receiver([]);
    await new Promise((resolve) => dead.server.close(resolve)); // nothing listens there now
    const handler = createWebhookHandler({
      endpoint: webhookEndpoint(dead.url),
      secret,
      timeoutMs: 2000,
      maxAttempts: 3,
    });
    await expect(attempt(handler, 2)).rejects.toThrow("ECONNREFUSED");
    const refused = await attempt(handler, 3);
    expect(refused.map((x) => x.reason)).toEqual([`webhook gave up after 3 attempts: ${dead.url}: ECONNREFUSED`]);

    const gone = await receiver([410]);
    servers.push(gone.server);
    const goneHandler = createWebhookHandler({
      endpoint: webhookEndpoint(gone.url),
      secret,
      timeoutMs: 2000,
      maxAttempts: 3,
    });
    expect((await attempt(goneHandler, 1)).map((x) => x.reason)).toEqual([`webhook gave up: ${gone.url} answered 410`]);
  });

  it("names each endpoint's durable by a stable hash of its URL", () => {
    expect(webhookEndpoint("https://hooks.example.com/playpulse")).toEqual(
      webhookEndpoint("https://hooks.example.com/playpulse"),
    );
    expect(webhookEndpoint("https://a.example/x").id).toMatch(/^hook-[0-9a-f]{8}$/);
    expect(webhookEndpoint("https://a.example/x").id).not.toBe(webhookEndpoint("https://a.example/y").id);
  });
});
