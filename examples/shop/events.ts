import { z } from "zod";

/**
 * The shop's contract: what every event carries, its subjects and its message ids. Like the
 * video events, each event has a `schema_version`; a consumer dead-letters a version it does
 * not know instead of guessing.
 */
export const SCHEMA_VERSION = 1;

export const EVENT_TYPES = [
  "order.created",
  "order.refund_requested",
  "order.confirmed",
  "order.cancelled",
  "payment.succeeded",
  "payment.failed",
  "payment.refunded",
  "inventory.reserved",
  "inventory.insufficient",
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** Order ids are KV keys and message ids: letters, digits, `-` and `_`. */
export const ORDER_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** What the customer asked for: one line of one product, paid from the customer's account. */
export const orderSpec = z.strictObject({
  id: z.string().regex(ORDER_ID, "letters, digits, - and _, at most 64"),
  customer: z.string().regex(ORDER_ID, "letters, digits, - and _, at most 64"),
  sku: z.string().regex(ORDER_ID, "letters, digits, - and _, at most 64"),
  quantity: z.int().min(1).max(1000),
  amount_cents: z.int().min(1).max(100_000_000),
});
export type OrderSpec = z.infer<typeof orderSpec>;

const shopEventSchema = z.strictObject({
  type: z.enum(EVENT_TYPES),
  schema_version: z.literal(SCHEMA_VERSION),
  order: orderSpec,
  /** Why a payment failed, stock was short or an order was cancelled. */
  reason: z.string().optional(),
});
export type ShopEvent = z.infer<typeof shopEventSchema>;

/** One event of `type` about `order`. */
export function shopEvent(type: EventType, order: OrderSpec, reason?: string): ShopEvent {
  return reason === undefined
    ? { type, schema_version: SCHEMA_VERSION, order }
    : { type, schema_version: SCHEMA_VERSION, order, reason };
}

/**
 * Each order has at most one event of each type, so `type:order id` is its `Nats-Msg-Id`: a
 * service that publishes the same step again (after a crash, on a redelivery) is deduplicated
 * by JetStream, and the services downstream are idempotent beyond the duplicate window.
 */
export const msgIdOf = (e: ShopEvent): string => `${e.type}:${e.order.id}`;

export function encodeEvent(e: ShopEvent): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(e));
}

/** The event in `data`, or the reason it is not one (the consume loop dead-letters it). */
export function decodeEvent(data: Uint8Array): { event: ShopEvent } | { error: string } {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(data));
  } catch {
    return { error: "not JSON" };
  }
  const parsed = shopEventSchema.safeParse(json);
  if (parsed.success) return { event: parsed.data };
  return { error: parsed.error.issues.map((i) => `${i.path.join(".") || "event"}: ${i.message}`).join("; ") };
}

/** The shop's subjects in one deployment: `prefix` ("" or "ns.") keeps test runs apart on one server. */
export interface ShopSubjects {
  prefix: string;
  of(type: EventType): string;
  /** A durable's filter: `order.>` with the prefix. */
  filter(tree: string): string;
  streamSubjects: string[];
  dlq(consumer: string, subject: string): string;
  dlqWildcard: string;
}

/** @example const subjects = shopSubjects(""); subjects.of("order.created") // "order.created" */
export function shopSubjects(ns = ""): ShopSubjects {
  const p = ns === "" ? "" : `${ns}.`;
  return {
    prefix: p,
    of: (type) => `${p}${type}`,
    filter: (tree) => `${p}${tree}`,
    streamSubjects: [`${p}order.>`, `${p}payment.>`, `${p}inventory.>`],
    dlq: (consumer, subject) => `${p}shopdlq.${consumer}.${subject.slice(p.length)}`,
    dlqWildcard: `${p}shopdlq.>`,
  };
}
