import { randomUUID } from "node:crypto";
import { Hono } from "hono";
import type { Tracer } from "@opentelemetry/api";
import type { Publisher } from "../../src/bus/index.ts";
import { httpTelemetry, type Logger } from "../../src/telemetry/index.ts";
import { encodeEvent, msgIdOf, orderSpec, shopEvent, type ShopSubjects } from "./events.ts";
import type { OrderRecord } from "./order-service.ts";
import { createOrRead, readJson, type ShopState } from "./state.ts";

export interface ShopHttpDeps {
  state: ShopState;
  publisher: Publisher;
  subjects: ShopSubjects;
  logger: Logger;
  tracer?: Tracer | undefined;
}

/** The body of `POST /orders`: an order, its id optional (a client that retries sends the same id). */
const newOrder = orderSpec.partial({ id: true });

const sameOrder = (a: OrderRecord["order"], b: OrderRecord["order"]) => JSON.stringify(a) === JSON.stringify(b);

/**
 * The order service's HTTP face. `POST /orders` writes the order (pending) and answers 202 once
 * JetStream stored `order.created`; the same body again (same id) is answered the same way and
 * published under the same message id, so a retry never makes a second order. `GET /orders/:id`
 * shows where the saga is.
 *
 * @example
 * const app = createShopApp({ state, publisher, subjects, logger });
 * serve({ fetch: app.fetch, port: 8080 });
 */
export function createShopApp(deps: ShopHttpDeps): Hono {
  const { state, publisher, subjects } = deps;
  const app = new Hono();
  app.use(httpTelemetry({ tracer: deps.tracer, logger: deps.logger }));

  app.post("/orders", async (c) => {
    const body: unknown = await c.req.json().catch(() => undefined);
    const parsed = newOrder.safeParse(body);
    if (!parsed.success) {
      const reason = parsed.error.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`).join("; ");
      return c.json({ error: "invalid order", reason }, 400);
    }
    const order = { ...parsed.data, id: parsed.data.id ?? randomUUID() };
    const rec = await createOrRead<OrderRecord>(state.orders, order.id, { order, status: "pending" });
    if (rec && !sameOrder(rec.order, order))
      return c.json({ error: "conflict", reason: `order id ${order.id} is taken by another order` }, 409);
    const created = shopEvent("order.created", order);
    const [outcome] = await publisher.publish([
      { subject: subjects.of(created.type), msgId: msgIdOf(created), data: encodeEvent(created) },
    ]);
    if (outcome?.status !== "stored") {
      c.header("Retry-After", "1");
      return c.json({ error: "unavailable", reason: "the bus did not store the order; retry with the same id" }, 503);
    }
    c.header("Location", `/orders/${order.id}`);
    return c.json({ id: order.id, status: rec?.status ?? "pending" }, 202);
  });

  app.get("/orders/:id", async (c) => {
    const id = c.req.param("id");
    const rec = orderSpec.shape.id.safeParse(id).success ? await readJson<OrderRecord>(state.orders, id) : undefined;
    return rec ? c.json(rec) : c.json({ error: "not found", reason: `no order ${id}` }, 404);
  });
  // The order state lives in NATS KV: when it cannot be read or written, the client retries later
  // with the same id, as for a publish the bus did not store.
  app.onError((err, c) => {
    deps.logger.warn({ err, path: c.req.path }, "order state unavailable");
    c.header("Retry-After", "1");
    return c.json(
      { error: "unavailable", reason: "the order state could not be read or written; retry with the same id" },
      503,
    );
  });
  return app;
}
