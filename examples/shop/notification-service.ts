import type { ShopEvent } from "./events.ts";
import type { Service } from "./service.ts";

/** The message sent to the customer, kept so it is sent once. */
export interface Notice {
  customer: string;
  text: string;
}

export function noticeText(e: ShopEvent): string {
  return e.type === "order.confirmed"
    ? `Order ${e.order.id} is confirmed: ${e.order.quantity} x ${e.order.sku}.`
    : `Order ${e.order.id} is cancelled (${e.reason ?? "no reason"}).`;
}

/** Tells the customer about a confirmed or cancelled order, once: a notice already written is not written again. */
export function decideNotice(notice: Notice | undefined, e: ShopEvent) {
  if (notice || (e.type !== "order.confirmed" && e.type !== "order.cancelled")) return { emit: [] };
  return { next: { customer: e.order.customer, text: noticeText(e) }, emit: [] };
}

/**
 * The notification service: one durable on `order.>`, its notices in the `notices` bucket by
 * order id. "Sending" is the log line the handler writes when the notice is new.
 */
export const notificationService: Service<Notice> = {
  durables: [{ name: "notification", tree: "order.>" }],
  bucket: "notices",
  keyOf: (e) => (e.type === "order.confirmed" || e.type === "order.cancelled" ? e.order.id : undefined),
  decide: decideNotice,
};
