import { describe, expect, it } from "vitest";
import { startNats, uniqueNamespace, waitFor } from "../../../../src/local-servers/index.ts";
import { createLogger } from "../../../../src/telemetry/index.ts";
import { postOrders } from "../../demo.ts";
import type { OrderSpec } from "../../events.ts";
import type { Stock } from "../../inventory-service.ts";
import { FINAL_STATUSES, type OrderRecord } from "../../order-service.ts";
import type { Account } from "../../payment-service.ts";
import { startShop } from "../../shop.ts";
import { readJson, seedState } from "../../state.ts";
import { spawnService } from "./service-process.ts";

const ORDERS = 1000;
const CUSTOMERS = Array.from({ length: 20 }, (_, i) => `c${i}`);
const SKUS = Array.from({ length: 5 }, (_, i) => `s${i}`);
const BALANCE = 4000; // 40 orders of 100 cents, of the 50 each customer sends
const STOCK = 150; // of the 200 orders for each sku

const orderAt = (i: number): OrderSpec => ({
  id: `o${i}`,
  customer: CUSTOMERS[i % CUSTOMERS.length] ?? "",
  sku: SKUS[i % SKUS.length] ?? "",
  quantity: 1,
  amount_cents: 100,
});

/**
 * `kill -9` of the payment service in the middle of a burst of 1,000 orders. The order,
 * inventory and notification services run in this process; payment runs as its own OS process,
 * is killed after it took its 100th step, and a new one takes over the durable. Afterwards every
 * order is confirmed or cancelled, and the books balance exactly: no order charged twice, no
 * stock below zero.
 */
describe("shop: kill -9 of the payment service during a burst", () => {
  it("ends with every order final, none charged twice, stock never below zero", async () => {
    await using nats = await startNats();
    const ns = uniqueNamespace("crash");
    const common = { natsUrl: nats.url, ns, ackWaitMs: 2000, logger: createLogger("warn") };
    const shop = await startShop({ ...common, services: ["order", "inventory", "notification"], httpPort: 0 });
    const paymentArgs = ["--nats", nats.url, "--services", "payment", "--ns", ns, "--ack-wait-ms", "2000"];
    try {
      await seedState(shop.state, {
        accounts: Object.fromEntries(CUSTOMERS.map((c) => [c, BALANCE])),
        stock: Object.fromEntries(SKUS.map((s) => [s, STOCK])),
      });
      const first = await spawnService(paymentArgs);

      // The burst: 50 POSTs of 20 orders at a time, every one answered 202.
      let posted = 0;
      const burst = (async () => {
        for (let i = 0; i < ORDERS; i += 20) {
          await postOrders(
            shop.url ?? "",
            Array.from({ length: 20 }, (_, k) => orderAt(i + k)),
          );
          posted += 20;
        }
      })();
      await waitFor(() => first.logged("step").length >= 100, { timeoutMs: 60_000, what: "100 payment steps" });
      expect(await first.kill9()).toBe("SIGKILL");
      const postedAtKill = posted;
      const chargedAtKill = first.logged("step").length;
      const second = await spawnService(paymentArgs);
      await burst;
      expect(postedAtKill).toBeLessThan(ORDERS);

      const ids = Array.from({ length: ORDERS }, (_, i) => `o${i}`);
      const orders = await waitFor(
        async () => {
          const recs = await Promise.all(ids.map((id) => readJson<OrderRecord>(shop.state.orders, id)));
          return recs.every((r) => r !== undefined && FINAL_STATUSES.includes(r.status)) && (recs as OrderRecord[]);
        },
        { timeoutMs: 150_000, intervalMs: 500, what: `${ORDERS} orders confirmed or cancelled` },
      );
      expect(second.logged("step").length).toBeGreaterThan(0);
      await second.stop();
      const accounts = await Promise.all(CUSTOMERS.map((c) => readJson<Account>(shop.state.accounts, c)));
      const stocks = await Promise.all(SKUS.map((s) => readJson<Stock>(shop.state.stock, s)));
      report({ postedAtKill, chargedAtKill, orders });

      // Each order's fate, as the order service, the payment ledger and the stock ledger each saw it.
      const fate = (r: OrderRecord) =>
        r.status === "confirmed" ? "charged+reserved" : r.refunded ? "refunded+insufficient" : "declined";
      const ledger = (o: OrderSpec) => {
        const charge = accounts[CUSTOMERS.indexOf(o.customer)]?.charges[o.id];
        const reservation = stocks[SKUS.indexOf(o.sku)]?.reservations[o.id];
        if (charge?.state === "charged" && reservation?.state === "reserved") return "charged+reserved";
        if (charge?.state === "refunded" && reservation?.state === "insufficient") return "refunded+insufficient";
        if (charge?.state === "declined" && reservation === undefined) return "declined";
        return `inconsistent: ${JSON.stringify({ charge, reservation })}`;
      };
      expect(orders.map((r) => ledger(r.order))).toEqual(orders.map(fate));

      // No order charged twice: each balance is exactly what it started with, less one charge per kept order.
      for (const [i, c] of CUSTOMERS.entries()) {
        const kept = orders.filter((r) => r.order.customer === c && r.status === "confirmed").length;
        expect({ c, balance: accounts[i]?.balance_cents }).toEqual({ c, balance: BALANCE - 100 * kept });
      }
      // Stock never below zero: it only ever drops, by one reservation per confirmed order, and ends >= 0.
      for (const [i, s] of SKUS.entries()) {
        const kept = orders.filter((r) => r.order.sku === s && r.status === "confirmed").length;
        expect({ s, available: stocks[i]?.available }).toEqual({ s, available: STOCK - kept });
        expect(stocks[i]?.available).toBeGreaterThanOrEqual(0);
      }
      // Every customer told once, of the final state.
      const notices = await Promise.all(ids.map((id) => readJson<{ text: string }>(shop.state.notices, id)));
      expect(notices.filter((n) => n !== undefined)).toHaveLength(ORDERS);
    } finally {
      await shop.stop();
    }
  }, 300_000);
});

function report(r: { postedAtKill: number; chargedAtKill: number; orders: OrderRecord[] }): void {
  const count = (f: (o: OrderRecord) => boolean) => r.orders.filter(f).length;
  const line = {
    posted_at_kill: r.postedAtKill,
    payment_steps_at_kill: r.chargedAtKill,
    confirmed: count((o) => o.status === "confirmed"),
    declined: count((o) => o.status === "cancelled" && !o.refunded),
    refunded: count((o) => o.refunded === true),
  };
  process.stdout.write(`shop payment crash: ${JSON.stringify(line)}\n`);
}
