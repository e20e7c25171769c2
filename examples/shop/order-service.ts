import { shopEvent, type OrderSpec, type ShopEvent } from "./events.ts";
import type { Service } from "./service.ts";

/**
 * An order's state. `confirmed` and `cancelled` are final; `refunding` waits for the payment
 * service to give the money back after stock ran short (the saga's compensation).
 */
export type OrderStatus = "pending" | "paid" | "refunding" | "confirmed" | "cancelled";
export const FINAL_STATUSES: readonly OrderStatus[] = ["confirmed", "cancelled"];

export interface OrderRecord {
  order: OrderSpec;
  status: OrderStatus;
  reason?: string;
  refunded?: boolean;
}

type Next = { next?: OrderRecord; emit: ShopEvent[] };
const open = (s: OrderStatus) => s === "pending" || s === "paid";

/**
 * The saga, as one pure function: where an order goes on each event from payment and inventory,
 * and what it tells the others. A step already taken (a redelivery) changes nothing and emits the
 * same event again, which JetStream deduplicates by its message id. The two durables deliver
 * independently, so `inventory.*` may come before `payment.succeeded`: it implies the payment.
 */
export function decideOrder(rec: OrderRecord | undefined, e: ShopEvent): Next {
  if (!rec) return { emit: [] }; // POST /orders writes the record before it publishes order.created
  const { order } = rec;
  const to = (status: OrderStatus, extra: Partial<OrderRecord>, emit: ShopEvent[]): Next => ({
    next: { ...rec, ...extra, status },
    emit,
  });
  switch (e.type) {
    case "payment.succeeded":
      return rec.status === "pending" ? to("paid", {}, []) : { emit: [] };
    case "payment.failed":
      if (rec.status === "pending")
        return to("cancelled", { reason: e.reason }, [shopEvent("order.cancelled", order, e.reason)]);
      return {
        emit: rec.status === "cancelled" && !rec.refunded ? [shopEvent("order.cancelled", order, rec.reason)] : [],
      };
    case "inventory.reserved":
      if (open(rec.status)) return to("confirmed", {}, [shopEvent("order.confirmed", order)]);
      return { emit: rec.status === "confirmed" ? [shopEvent("order.confirmed", order)] : [] };
    case "inventory.insufficient": {
      const refund = shopEvent("order.refund_requested", order, e.reason);
      if (open(rec.status)) return to("refunding", { reason: e.reason }, [refund]);
      return { emit: rec.status === "refunding" ? [refund] : [] };
    }
    case "payment.refunded":
      if (rec.status === "refunding")
        return to("cancelled", { refunded: true }, [shopEvent("order.cancelled", order, rec.reason)]);
      return { emit: rec.refunded ? [shopEvent("order.cancelled", order, rec.reason)] : [] };
    default:
      return { emit: [] };
  }
}

/**
 * The order service: the saga's coordinator. It hears from two subject trees, and NATS 2.9
 * allows one filter per durable, so it has two durables running the same handler.
 */
export const orderService: Service<OrderRecord> = {
  durables: [
    { name: "order-payments", tree: "payment.>" },
    { name: "order-inventory", tree: "inventory.>" },
  ],
  bucket: "orders",
  keyOf: (e) => e.order.id,
  decide: decideOrder,
};
