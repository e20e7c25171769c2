import { jetstream } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { SpanKind } from "@opentelemetry/api";
import { InMemorySpanExporter } from "@opentelemetry/sdk-trace-base";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startTelemetry, type Telemetry } from "../../../src/instrumentation.ts";
import { createLogger, tracerFor } from "../../../src/telemetry/index.ts";
import { uniqueNamespace, waitFor } from "../../../test/helpers/index.ts";
import { openJetStream, type JetStreamProbe } from "../../../test/helpers/jetstream.ts";
import { finalStates } from "../demo.ts";
import { encodeEvent, shopEvent, shopSubjects, type EventType, type OrderSpec } from "../events.ts";
import type { Stock } from "../inventory-service.ts";
import type { Account } from "../payment-service.ts";
import { DURABLE_NAMES, SERVICE_NAMES, startShop, type Shop } from "../shop.ts";
import { readJson, seedState } from "../state.ts";

/**
 * The shop's saga against a real nats-server: all four services in this process, each on its
 * own durable, state in KV. Every test has its own customer, product and order ids.
 */
const ns = uniqueNamespace("shop");
const subjects = shopSubjects(ns);
const exporter = new InMemorySpanExporter();
let telemetry: Telemetry;
let shop: Shop;
let probe: JetStreamProbe;
let nc: NatsConnection;
let url: string;

beforeAll(async () => {
  telemetry = startTelemetry({
    disabled: false,
    serviceName: "shop-test",
    tracesEndpoint: "http://127.0.0.1:9/v1/traces",
    scheduleDelayMs: 100,
    exporter,
  });
  const logger = createLogger("warn");
  const natsUrl = inject("natsUrl");
  shop = await startShop({ natsUrl, services: SERVICE_NAMES, httpPort: 0, ns, logger, tracer: tracerFor(true) });
  url = shop.url ?? "";
  probe = await openJetStream(natsUrl);
  nc = await connect({ servers: natsUrl });
});

afterAll(async () => {
  await shop?.stop();
  await probe?.close();
  await nc?.close();
  await telemetry?.shutdown();
});

async function post(body: unknown): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${url}/orders`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

/** The types of the events the stream holds about `id`, in order. */
async function eventsOf(id: string): Promise<string[]> {
  const all = await probe.messages(shop.stream);
  return all
    .filter((m) => (m.body["order"] as { id?: string } | undefined)?.id === id)
    .map((m) => String(m.body["type"]));
}

const drained = () =>
  waitFor(() => probe.drained(shop.stream, DURABLE_NAMES), { timeoutMs: 20_000, what: "every durable acked all" });

function world(tag: string, balance: number, stock: number) {
  const customer = `c-${tag}`;
  const sku = `s-${tag}`;
  const order = (n: number, quantity = 1): OrderSpec => ({
    id: `${tag}-${n}`,
    customer,
    sku,
    quantity,
    amount_cents: 1000 * quantity,
  });
  return {
    customer,
    sku,
    order,
    seed: () => seedState(shop.state, { accounts: { [customer]: balance }, stock: { [sku]: stock } }),
  };
}

describe("shop saga on the bus", () => {
  it("happy path: 202 once order.created is stored, then paid, reserved, confirmed, notified", async () => {
    const w = world("happy", 5000, 10);
    await w.seed();
    const o = w.order(1, 2);
    expect(await post(o)).toEqual({ status: 202, body: { id: o.id, status: "pending" } });
    const [rec] = await finalStates(url, [o.id], 20_000);
    expect(rec).toEqual({ order: o, status: "confirmed" });
    expect(await readJson<Account>(shop.state.accounts, w.customer)).toEqual({
      balance_cents: 3000,
      charges: { [o.id]: { amount_cents: 2000, state: "charged" } },
    });
    expect(await readJson<Stock>(shop.state.stock, w.sku)).toEqual({
      available: 8,
      reservations: { [o.id]: { quantity: 2, state: "reserved" } },
    });
    await waitFor(() => readJson(shop.state.notices, o.id), { timeoutMs: 10_000, what: "the notice" });
    expect(await readJson(shop.state.notices, o.id)).toEqual({
      customer: w.customer,
      text: `Order ${o.id} is confirmed: 2 x ${w.sku}.`,
    });
    expect(await eventsOf(o.id)).toEqual([
      "order.created",
      "payment.succeeded",
      "inventory.reserved",
      "order.confirmed",
    ]);
  });

  it("payment failure: the order is cancelled, nothing charged, nothing reserved", async () => {
    const w = world("broke", 500, 10);
    await w.seed();
    const o = w.order(1);
    expect((await post(o)).status).toBe(202);
    const [rec] = await finalStates(url, [o.id], 20_000);
    expect(rec).toEqual({ order: o, status: "cancelled", reason: "insufficient funds" });
    expect(await readJson<Account>(shop.state.accounts, w.customer)).toEqual({
      balance_cents: 500,
      charges: { [o.id]: { amount_cents: 1000, state: "declined", reason: "insufficient funds" } },
    });
    expect(await readJson<Stock>(shop.state.stock, w.sku)).toEqual({ available: 10, reservations: {} });
    expect(await eventsOf(o.id)).toEqual(["order.created", "payment.failed", "order.cancelled"]);
  });

  it("insufficient stock: the payment is refunded (compensation) and the order cancelled", async () => {
    const w = world("short", 5000, 1);
    await w.seed();
    const o = w.order(1, 3);
    expect((await post(o)).status).toBe(202);
    const [rec] = await finalStates(url, [o.id], 20_000);
    expect(rec).toEqual({ order: o, status: "cancelled", reason: "insufficient stock", refunded: true });
    expect(await readJson<Account>(shop.state.accounts, w.customer)).toEqual({
      balance_cents: 5000,
      charges: { [o.id]: { amount_cents: 3000, state: "refunded" } },
    });
    expect(await readJson<Stock>(shop.state.stock, w.sku)).toEqual({
      available: 1,
      reservations: { [o.id]: { quantity: 3, state: "insufficient" } },
    });
    expect(await eventsOf(o.id)).toEqual([
      "order.created",
      "payment.succeeded",
      "inventory.insufficient",
      "order.refund_requested",
      "payment.refunded",
      "order.cancelled",
    ]);
  });

  it("redelivered order.created, payment.succeeded and inventory.reserved change nothing: no second charge, reservation or notice", async () => {
    const w = world("again", 5000, 10);
    await w.seed();
    const o = w.order(1);
    expect((await post(o)).status).toBe(202);
    await finalStates(url, [o.id], 20_000);
    await waitFor(() => readJson(shop.state.notices, o.id), { timeoutMs: 10_000, what: "the notice" });
    await drained();
    const revisions = async () =>
      Promise.all([
        shop.state.accounts.get(w.customer),
        shop.state.stock.get(w.sku),
        shop.state.orders.get(o.id),
        shop.state.notices.get(o.id),
      ]).then((es) => es.map((e) => e?.revision));
    const before = await revisions();
    // The same events again under new message ids: what a redelivery after JetStream's duplicate window looks like.
    const js = jetstream(nc);
    const copies: EventType[] = ["order.created", "payment.succeeded", "inventory.reserved", "order.confirmed"];
    for (const type of copies)
      await js.publish(subjects.of(type), encodeEvent(shopEvent(type, o)), { msgID: `copy-${type}:${o.id}` });
    // The same POST again (a client retry): the same answer, the same message id, no second order.
    expect(await post(o)).toEqual({ status: 202, body: { id: o.id, status: "confirmed" } });
    await drained();
    expect(await revisions()).toEqual(before);
    expect((await readJson<Account>(shop.state.accounts, w.customer))?.balance_cents).toBe(4000);
    expect((await readJson<Stock>(shop.state.stock, w.sku))?.available).toBe(9);
    // The originals, then the four copies; every re-emitted event was dropped by its message id.
    expect(await eventsOf(o.id)).toEqual([
      "order.created",
      "payment.succeeded",
      "inventory.reserved",
      "order.confirmed",
      ...copies,
    ]);
  });

  it("answers 400 with a reason for a bad order, 409 for a reused id, 404 for an unknown one", async () => {
    const w = world("bad", 5000, 10);
    expect(await post({ ...w.order(1), quantity: 0 })).toEqual({
      status: 400,
      body: { error: "invalid order", reason: "quantity: Too small: expected number to be >=1" },
    });
    expect((await post(w.order(2))).status).toBe(202);
    expect(await post({ ...w.order(2), quantity: 5 })).toEqual({
      status: 409,
      body: { error: "conflict", reason: "order id bad-2 is taken by another order" },
    });
    const res = await fetch(`${url}/orders/nope`);
    expect([res.status, await res.json()]).toEqual([404, { error: "not found", reason: "no order nope" }]);
  });

  it("one trace per order, from POST /orders through the four services", async () => {
    const w = world("traced", 5000, 10);
    await w.seed();
    await telemetry.flush();
    exporter.reset();
    const o = w.order(1);
    expect((await post(o)).status).toBe(202);
    await finalStates(url, [o.id], 20_000);
    await drained();
    await telemetry.flush();
    const spans = exporter.getFinishedSpans();
    const servers = spans.filter((s) => s.kind === SpanKind.SERVER && s.name === "POST /orders");
    expect(servers).toHaveLength(1);
    const traceId = servers[0]?.spanContext().traceId;
    const ours = spans.filter((s) => String(s.attributes["messaging.message.id"]).endsWith(`:${o.id}`));
    expect(new Set(ours.map((s) => s.spanContext().traceId))).toEqual(new Set([traceId]));
    const created = ours.find((s) => s.name === `send ${subjects.of("order.created")}`);
    expect(created?.parentSpanContext?.spanId).toBe(servers[0]?.spanContext().spanId);
    const sent = ours.filter((s) => s.kind === SpanKind.PRODUCER).map((s) => s.name);
    expect(sent.sort()).toEqual(
      [
        `send ${subjects.of("order.created")}`,
        `send ${subjects.of("payment.succeeded")}`,
        `send ${subjects.of("inventory.reserved")}`,
        `send ${subjects.of("order.confirmed")}`,
      ].sort(),
    );
    const processedBy = new Set(
      ours
        .filter((s) => s.kind === SpanKind.CONSUMER)
        .map((s) => String(s.attributes["messaging.consumer.group.name"])),
    );
    expect([...processedBy].sort()).toEqual([...DURABLE_NAMES].sort());
  });
});
