import { describe, expect, it } from "vitest";
import { decodeEvent, encodeEvent, shopEvent, type EventType, type OrderSpec } from "./events.ts";
import { decideReservation, type Stock } from "./inventory-service.ts";
import { decideNotice } from "./notification-service.ts";
import { decideOrder, type OrderRecord, type OrderStatus } from "./order-service.ts";
import { decidePayment, type Account } from "./payment-service.ts";

const order: OrderSpec = { id: "o1", customer: "alice", sku: "mug", quantity: 2, amount_cents: 1200 };
const ev = (type: EventType, reason?: string) => shopEvent(type, order, reason);
const rec = (status: OrderStatus, extra: Partial<OrderRecord> = {}): OrderRecord => ({ order, status, ...extra });
const types = (d: { emit: { type: string; reason?: string }[] }) =>
  d.emit.map((e) => (e.reason ? `${e.type}(${e.reason})` : e.type));

describe("order saga (decideOrder)", () => {
  it.each<[string, OrderRecord, EventType, string | undefined, OrderRecord | undefined, string[]]>([
    ["payment succeeded", rec("pending"), "payment.succeeded", undefined, rec("paid"), []],
    [
      "payment failed: cancelled",
      rec("pending"),
      "payment.failed",
      "insufficient funds",
      rec("cancelled", { reason: "insufficient funds" }),
      ["order.cancelled(insufficient funds)"],
    ],
    ["reserved: confirmed", rec("paid"), "inventory.reserved", undefined, rec("confirmed"), ["order.confirmed"]],
    [
      "reserved before payment.succeeded arrived",
      rec("pending"),
      "inventory.reserved",
      undefined,
      rec("confirmed"),
      ["order.confirmed"],
    ],
    [
      "stock short: refund asked",
      rec("paid"),
      "inventory.insufficient",
      "insufficient stock",
      rec("refunding", { reason: "insufficient stock" }),
      ["order.refund_requested(insufficient stock)"],
    ],
    [
      "refunded: cancelled",
      rec("refunding", { reason: "insufficient stock" }),
      "payment.refunded",
      undefined,
      rec("cancelled", { reason: "insufficient stock", refunded: true }),
      ["order.cancelled(insufficient stock)"],
    ],
    // Redeliveries: nothing changes, the same event is emitted again (JetStream drops the copy by its id).
    ["payment.succeeded again", rec("confirmed"), "payment.succeeded", undefined, undefined, []],
    [
      "payment.failed again",
      rec("cancelled", { reason: "x" }),
      "payment.failed",
      "x",
      undefined,
      ["order.cancelled(x)"],
    ],
    ["inventory.reserved again", rec("confirmed"), "inventory.reserved", undefined, undefined, ["order.confirmed"]],
    [
      "inventory.insufficient again",
      rec("refunding", { reason: "s" }),
      "inventory.insufficient",
      "s",
      undefined,
      ["order.refund_requested(s)"],
    ],
    [
      "payment.refunded again",
      rec("cancelled", { reason: "s", refunded: true }),
      "payment.refunded",
      undefined,
      undefined,
      ["order.cancelled(s)"],
    ],
    ["an event of its own tree", rec("pending"), "order.created", undefined, undefined, []],
  ])("%s", (_, current, type, reason, next, emitted) => {
    const d = decideOrder(current, ev(type, reason));
    expect(d.next).toEqual(next);
    expect(types(d)).toEqual(emitted);
  });

  it("does nothing for an order it has no record of", () => {
    expect(decideOrder(undefined, ev("payment.succeeded"))).toEqual({ emit: [] });
  });
});

describe("payment (decidePayment)", () => {
  const account = (balance: number, charges: Account["charges"] = {}): Account => ({ balance_cents: balance, charges });
  it.each<[string, Account | undefined, EventType, Account | undefined, string[]]>([
    [
      "charges",
      account(5000),
      "order.created",
      account(3800, { o1: { amount_cents: 1200, state: "charged" } }),
      ["payment.succeeded"],
    ],
    [
      "declines and remembers",
      account(1000),
      "order.created",
      account(1000, { o1: { amount_cents: 1200, state: "declined", reason: "insufficient funds" } }),
      ["payment.failed(insufficient funds)"],
    ],
    ["unknown customer", undefined, "order.created", undefined, ["payment.failed(unknown customer)"]],
    [
      "never charges twice",
      account(3800, { o1: { amount_cents: 1200, state: "charged" } }),
      "order.created",
      undefined,
      ["payment.succeeded"],
    ],
    [
      "a decline stands after money came in",
      account(9000, { o1: { amount_cents: 1200, state: "declined", reason: "insufficient funds" } }),
      "order.created",
      undefined,
      ["payment.failed(insufficient funds)"],
    ],
    [
      "refunds",
      account(3800, { o1: { amount_cents: 1200, state: "charged" } }),
      "order.refund_requested",
      account(5000, { o1: { amount_cents: 1200, state: "refunded" } }),
      ["payment.refunded"],
    ],
    [
      "never refunds twice",
      account(5000, { o1: { amount_cents: 1200, state: "refunded" } }),
      "order.refund_requested",
      undefined,
      ["payment.refunded"],
    ],
    [
      "no refund of what was not charged",
      account(1000, { o1: { amount_cents: 1200, state: "declined" } }),
      "order.refund_requested",
      undefined,
      [],
    ],
  ])("%s", (_, current, type, next, emitted) => {
    const d = decidePayment(current, ev(type));
    expect(d.next).toEqual(next);
    expect(types(d)).toEqual(emitted);
  });
});

describe("inventory (decideReservation)", () => {
  const stock = (available: number, reservations: Stock["reservations"] = {}): Stock => ({ available, reservations });
  it.each<[string, Stock | undefined, EventType, Stock | undefined, string[]]>([
    [
      "reserves",
      stock(5),
      "payment.succeeded",
      stock(3, { o1: { quantity: 2, state: "reserved" } }),
      ["inventory.reserved"],
    ],
    [
      "exactly what is left",
      stock(2),
      "payment.succeeded",
      stock(0, { o1: { quantity: 2, state: "reserved" } }),
      ["inventory.reserved"],
    ],
    [
      "short: never below zero",
      stock(1),
      "payment.succeeded",
      stock(1, { o1: { quantity: 2, state: "insufficient" } }),
      ["inventory.insufficient(insufficient stock)"],
    ],
    [
      "never reserves twice",
      stock(3, { o1: { quantity: 2, state: "reserved" } }),
      "payment.succeeded",
      undefined,
      ["inventory.reserved"],
    ],
    ["unknown product", undefined, "payment.succeeded", undefined, ["inventory.insufficient(unknown product)"]],
    ["ignores other payment events", stock(5), "payment.failed", undefined, []],
  ])("%s", (_, current, type, next, emitted) => {
    const d = decideReservation(current, ev(type));
    expect(d.next).toEqual(next);
    expect(types(d)).toEqual(emitted);
  });
});

describe("notification (decideNotice)", () => {
  it.each<[EventType, string | undefined, string | undefined]>([
    ["order.confirmed", undefined, "Order o1 is confirmed: 2 x mug."],
    ["order.cancelled", "insufficient stock", "Order o1 is cancelled (insufficient stock)."],
    ["order.created", undefined, undefined],
  ])("%s", (type, reason, text) => {
    expect(decideNotice(undefined, ev(type, reason)).next?.text).toBe(text);
  });
  it("sends once", () => {
    expect(decideNotice({ customer: "alice", text: "x" }, ev("order.confirmed"))).toEqual({ emit: [] });
  });
});

describe("events", () => {
  it("round-trips and rejects what is not a version-1 shop event, saying why", () => {
    expect(decodeEvent(encodeEvent(ev("order.created")))).toEqual({ event: ev("order.created") });
    const bad = (v: unknown) => decodeEvent(new TextEncoder().encode(JSON.stringify(v)));
    expect(bad({ ...ev("order.created"), schema_version: 2 })).toEqual({
      error: "schema_version: Invalid input: expected 1",
    });
    expect(bad({ ...ev("order.created"), order: { ...order, quantity: 0 } })).toEqual({
      error: "order.quantity: Too small: expected number to be >=1",
    });
    expect(decodeEvent(new TextEncoder().encode("{"))).toEqual({ error: "not JSON" });
  });
});
