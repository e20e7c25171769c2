import { describe, expect, it } from "vitest";
import type { Publisher } from "../../src/bus/index.ts";
import { createLogger } from "../../src/telemetry/index.ts";
import { shopSubjects } from "./events.ts";
import { createShopApp } from "./http.ts";
import type { ShopState } from "./state.ts";

describe("the shop's HTTP face when its state is unreachable", () => {
  // KV calls fail the way nats.js fails them when the bucket's stream cannot answer.
  const down = () => Promise.reject(new Error("503 no responders available"));
  const bucket = { create: down, get: down, update: down };
  const state = { orders: bucket, accounts: bucket, stock: bucket, notices: bucket } as unknown as ShopState;
  const published: unknown[] = [];
  const publisher = {
    publish: (messages: unknown[]) => {
      published.push(...messages);
      return Promise.resolve([]);
    },
  } as unknown as Publisher;
  const app = createShopApp({ state, publisher, subjects: shopSubjects("t"), logger: createLogger("silent") });

  it.each([
    ["POST /orders", () => app.request("/orders", { method: "POST", body: JSON.stringify(order) })],
    ["GET /orders/:id", () => app.request("/orders/o-1")],
  ])("%s answers 503 with Retry-After, never 500, and publishes nothing", async (_, send) => {
    const res = await send();
    expect([res.status, res.headers.get("retry-after"), await res.json()]).toEqual([
      503,
      "1",
      { error: "unavailable", reason: "the order state could not be read or written; retry with the same id" },
    ]);
    expect(published).toEqual([]);
  });
});

const order = { id: "o-1", customer: "c-1", sku: "s-1", quantity: 1, amount_cents: 100 };
