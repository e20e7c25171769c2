import { shopEvent, type ShopEvent } from "./events.ts";
import type { Service } from "./service.ts";

/** One product's stock: what is left, and the decision taken on each paid order. */
export interface Stock {
  available: number;
  reservations: Record<string, Reservation>;
}
export interface Reservation {
  quantity: number;
  state: "reserved" | "insufficient";
}

/**
 * Reserves stock for a paid order exactly once: `available` only ever drops by a reservation
 * written in the same compare-and-set, so it never goes below zero and a redelivered
 * `payment.succeeded` finds its reservation and says the same thing again.
 */
export function decideReservation(stock: Stock | undefined, e: ShopEvent) {
  const { order } = e;
  if (e.type !== "payment.succeeded") return { emit: [] };
  if (!stock) return { emit: [shopEvent("inventory.insufficient", order, "unknown product")] };
  const seen = stock.reservations[order.id];
  if (seen) return { emit: [outcomeOf(seen, e)] };
  const fits = stock.available >= order.quantity;
  const r: Reservation = { quantity: order.quantity, state: fits ? "reserved" : "insufficient" };
  const next = {
    available: stock.available - (fits ? order.quantity : 0),
    reservations: { ...stock.reservations, [order.id]: r },
  };
  return { next, emit: [outcomeOf(r, e)] };
}

function outcomeOf(r: Reservation, e: ShopEvent): ShopEvent {
  return r.state === "reserved"
    ? shopEvent("inventory.reserved", e.order)
    : shopEvent("inventory.insufficient", e.order, "insufficient stock");
}

/** The inventory service: one durable on `payment.>`, its state in the `stock` bucket by sku. */
export const inventoryService: Service<Stock> = {
  durables: [{ name: "inventory", tree: "payment.>" }],
  bucket: "stock",
  keyOf: (e) => (e.type === "payment.succeeded" ? e.order.sku : undefined),
  decide: decideReservation,
};
