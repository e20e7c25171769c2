import type { Tracer } from "@opentelemetry/api";
import {
  connectBus,
  createPublisher,
  provisionBus,
  startConsumeLoop,
  type BusConnection,
  type ConsumeLoop,
  type DurableConsumer,
  type Publisher,
} from "../../src/bus/index.ts";
import { listenNode, type HttpServer } from "../../src/http/node-server.ts";
import type { Logger } from "../../src/telemetry/index.ts";
import { shopSubjects, type ShopSubjects } from "./events.ts";
import { createShopApp } from "./http.ts";
import { inventoryService } from "./inventory-service.ts";
import { notificationService } from "./notification-service.ts";
import { orderService } from "./order-service.ts";
import { paymentService } from "./payment-service.ts";
import { createServiceHandler, type Service } from "./service.ts";
import { openState, type ShopState } from "./state.ts";

/** The four services by name, each started as its consume loops. `order` also serves HTTP when a port is given. */
const SERVICES = {
  order: (deps: LoopDeps) => startLoops(orderService, deps),
  payment: (deps: LoopDeps) => startLoops(paymentService, deps),
  inventory: (deps: LoopDeps) => startLoops(inventoryService, deps),
  notification: (deps: LoopDeps) => startLoops(notificationService, deps),
};
export type ServiceName = keyof typeof SERVICES;
export const SERVICE_NAMES = Object.keys(SERVICES) as ServiceName[];
/** Every durable of the four services: five, as the order service listens on two trees. */
export const DURABLE_NAMES = [orderService, paymentService, inventoryService, notificationService].flatMap((s) =>
  s.durables.map((d) => d.name),
);
const DURABLES: readonly DurableConsumer[] = [
  orderService,
  paymentService,
  inventoryService,
  notificationService,
].flatMap((s) => s.durables.map((d) => ({ name: d.name, subject: d.tree })));

export interface ShopOptions {
  natsUrl: string;
  /** Which services this process runs. */
  services: readonly ServiceName[];
  /** Serve `POST /orders` and `GET /orders/:id` on this port (0: any free port); no HTTP when undefined. */
  httpPort?: number | undefined;
  /** Keeps the stream, durables and buckets of one test apart from another's on one server. */
  ns?: string;
  logger: Logger;
  tracer?: Tracer | undefined;
  /** How long JetStream waits for an ack before it redelivers (after a crash). */
  ackWaitMs?: number;
}

export interface Shop {
  state: ShopState;
  stream: string;
  /** The HTTP base URL when `httpPort` was given. */
  url: string | undefined;
  /** Stops HTTP, lets each consume loop finish its batch, then closes the connection. */
  stop(): Promise<void>;
}

/**
 * The shop on Playpulse's bus, as one process runs it: connect, provision the stream and every
 * durable (idempotent, so each process may do it), open the KV buckets, start one consume loop
 * per durable of the services asked for, and serve HTTP.
 *
 * @example
 * const shop = await startShop({ natsUrl, services: ["order", "payment"], httpPort: 8080, logger });
 * await shop.stop();
 */
export async function startShop(opts: ShopOptions): Promise<Shop> {
  const { logger, tracer } = opts;
  const ns = opts.ns ?? "";
  const subjects = shopSubjects(ns);
  const stream = ns === "" ? "SHOP" : `${ns}_SHOP`;
  const bus = await connectBus(opts.natsUrl, `shop ${opts.services.join(",")}`, logger);
  try {
    await provisionBus(
      bus.nc,
      subjects,
      {
        name: stream,
        maxBytes: 256 * 1024 * 1024,
        maxAgeMs: 7 * 24 * 3600_000,
        replicas: 1,
        duplicateWindowMs: 120_000,
      },
      {
        ackWaitMs: opts.ackWaitMs ?? 10_000,
        maxAckPending: 1000,
        durables: DURABLES,
      },
    );
    const state = await openState(bus.nc, ns);
    const publisher = createPublisher(bus, { timeoutMs: 5000, tracer });
    const deps: LoopDeps = { bus, stream, state, publisher, subjects, logger, tracer };
    const loops = opts.services.flatMap((name) => SERVICES[name](deps));
    let http: HttpServer | undefined;
    if (opts.httpPort !== undefined) {
      const app = createShopApp({ state, publisher, subjects, logger, tracer });
      http = await listenNode(app, "127.0.0.1", opts.httpPort);
    }
    logger.info({ services: opts.services, port: http?.port, stream }, "shop started");
    return {
      state,
      stream,
      url: http ? `http://127.0.0.1:${http.port}` : undefined,
      async stop() {
        await http?.close();
        await Promise.all(loops.map((l) => l.stop()));
        await publisher.close();
        await bus.close();
      },
    };
  } catch (err: unknown) {
    await bus.close();
    throw err;
  }
}

interface LoopDeps {
  bus: BusConnection;
  stream: string;
  state: ShopState;
  publisher: Publisher;
  subjects: ShopSubjects;
  logger: Logger;
  tracer: Tracer | undefined;
}

/** One consume loop per durable of the service, all with the same handler logic. */
function startLoops<T>(service: Service<T>, deps: LoopDeps): ConsumeLoop[] {
  const { bus, stream, subjects, logger, tracer } = deps;
  return service.durables.map(({ name }) => {
    const handler = createServiceHandler(service, name, deps);
    const loop = startConsumeLoop({
      bus,
      stream,
      handler,
      logger,
      batchSize: 100,
      flushIntervalMs: 10,
      maxDeliver: 10,
      dlqSubject: (subject) => subjects.dlq(name, subject),
      tracer,
    });
    loop.done.catch((err: unknown) => logger.error({ err, consumer: name }, "consume loop stopped"));
    return loop;
  });
}
