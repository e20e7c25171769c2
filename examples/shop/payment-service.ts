import { shopEvent, type ShopEvent } from "./events.ts";
import type { Service } from "./service.ts";

/** A customer's account: the balance and every decision taken on an order, so each is taken once. */
export interface Account {
  balance_cents: number;
  charges: Record<string, Charge>;
}
export interface Charge {
  amount_cents: number;
  state: "charged" | "declined" | "refunded";
  reason?: string;
}

/**
 * Charges an order, or declines it, exactly once: the decision is kept in the account under the
 * order id, so a redelivered `order.created` finds it and says the same thing again, without
 * touching the balance. Refunds (the compensation) work the same way.
 */
export function decidePayment(account: Account | undefined, e: ShopEvent) {
  const { order } = e;
  const charge = account?.charges[order.id];
  if (e.type === "order.created") {
    if (charge) return { emit: [outcomeOf(charge, e)] };
    if (!account) return { emit: [shopEvent("payment.failed", order, "unknown customer")] };
    const fits = account.balance_cents >= order.amount_cents;
    const decided: Charge = fits
      ? { amount_cents: order.amount_cents, state: "charged" }
      : { amount_cents: order.amount_cents, state: "declined", reason: "insufficient funds" };
    const balance_cents = account.balance_cents - (fits ? order.amount_cents : 0);
    return {
      next: { balance_cents, charges: { ...account.charges, [order.id]: decided } },
      emit: [outcomeOf(decided, e)],
    };
  }
  if (e.type === "order.refund_requested" && account && charge) {
    if (charge.state === "refunded") return { emit: [shopEvent("payment.refunded", order)] };
    if (charge.state !== "charged") return { emit: [] };
    const refunded: Charge = { ...charge, state: "refunded" };
    const next = {
      balance_cents: account.balance_cents + charge.amount_cents,
      charges: { ...account.charges, [order.id]: refunded },
    };
    return { next, emit: [shopEvent("payment.refunded", order)] };
  }
  return { emit: [] };
}

function outcomeOf(charge: Charge, e: ShopEvent): ShopEvent {
  return charge.state === "declined"
    ? shopEvent("payment.failed", e.order, charge.reason)
    : shopEvent("payment.succeeded", e.order);
}

/** The payment service: one durable on `order.>`, its state in the `accounts` bucket by customer. */
export const paymentService: Service<Account> = {
  durables: [{ name: "payment", tree: "order.>" }],
  bucket: "accounts",
  keyOf: (e) => (e.type === "order.created" || e.type === "order.refund_requested" ? e.order.customer : undefined),
  decide: decidePayment,
};
