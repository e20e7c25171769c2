import { waitFor } from "../../src/local-servers/index.ts";
import type { OrderSpec } from "./events.ts";
import { FINAL_STATUSES, type OrderRecord } from "./order-service.ts";
import type { Seed } from "./state.ts";

/** The demo's world: alice can pay for 4 mugs but there are only 3; bob can pay for 2 posters. */
export const DEMO_SEED: Seed = { accounts: { alice: 4 * 1200, bob: 2 * 900 }, stock: { mug: 3, poster: 50 } };

/** The scripted burst: `n` orders, alternately alice's mug and bob's poster. */
export function demoOrders(n: number, run: string): OrderSpec[] {
  return Array.from({ length: n }, (_, i) =>
    i % 2 === 0
      ? { id: `${run}-${i + 1}`, customer: "alice", sku: "mug", quantity: 1, amount_cents: 1200 }
      : { id: `${run}-${i + 1}`, customer: "bob", sku: "poster", quantity: 1, amount_cents: 900 },
  );
}

/** POSTs every order (all at once), expecting 202 for each. */
export async function postOrders(baseUrl: string, orders: readonly OrderSpec[]): Promise<void> {
  await Promise.all(
    orders.map(async (o) => {
      const res = await fetch(`${baseUrl}/orders`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(o),
      });
      if (res.status !== 202) throw new Error(`POST /orders ${o.id}: ${res.status} ${await res.text()}`);
    }),
  );
}

/** GETs each order until every one is confirmed or cancelled; returns them in order. */
export async function finalStates(baseUrl: string, ids: readonly string[], timeoutMs = 30_000): Promise<OrderRecord[]> {
  return waitFor(
    async () => {
      const recs = await Promise.all(
        ids.map(async (id) => (await (await fetch(`${baseUrl}/orders/${id}`)).json()) as OrderRecord),
      );
      return recs.every((r) => FINAL_STATUSES.includes(r.status)) && recs;
    },
    { timeoutMs, intervalMs: 200, what: `${ids.length} orders in a final state` },
  );
}

/** One line per order: `demo-1  alice  mug     confirmed`. */
export function formatStates(recs: readonly OrderRecord[]): string {
  return recs
    .map((r) => {
      const why = r.reason ? `  (${r.reason}${r.refunded ? ", refunded" : ""})` : "";
      return `${r.order.id.padEnd(10)} ${r.order.customer.padEnd(6)} ${r.order.sku.padEnd(7)} ${r.status}${why}`;
    })
    .join("\n");
}
