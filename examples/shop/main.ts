import { parseArgs } from "node:util";
import { startTelemetry } from "../../src/instrumentation.ts";
import { startNats } from "../../src/local-servers/index.ts";
import { createLogger, tracerFor } from "../../src/telemetry/index.ts";
import { DEMO_SEED, demoOrders, finalStates, formatStates, postOrders } from "./demo.ts";
import { SERVICE_NAMES, startShop, type ServiceName } from "./shop.ts";
import { readJson, seedState } from "./state.ts";
import type { Account } from "./payment-service.ts";
import type { Stock } from "./inventory-service.ts";

const USAGE = `The shop example: an order saga on Playpulse's bus (examples/shop/README.md).

Usage:
  npx tsx examples/shop/main.ts demo [--orders N]
      Starts a nats-server, the four services and HTTP, sends N orders (default 12),
      prints their final states, and stops.
  npx tsx examples/shop/main.ts serve --nats URL [--services LIST] [--port N] [--ns NAME] [--seed]
      Runs services (default all: ${SERVICE_NAMES.join(",")}) against a running nats-server;
      --port serves POST /orders and GET /orders/:id; --seed writes the demo's accounts
      (alice, bob) and stock (mug, poster) first. Stops on SIGINT/SIGTERM.

Options:
  --otlp URL        export traces to this OTLP/HTTP endpoint (http://localhost:4318/v1/traces)
  --ack-wait-ms N   how long JetStream waits for an ack before redelivering (default 10000)
  --log-level L     pino level (default: warn for demo, info for serve)
  -h, --help        this text
`;

const options = {
  orders: { type: "string" },
  nats: { type: "string" },
  services: { type: "string" },
  port: { type: "string" },
  ns: { type: "string" },
  otlp: { type: "string" },
  "ack-wait-ms": { type: "string" },
  "log-level": { type: "string" },
  seed: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

function fail(message: string): never {
  process.stderr.write(`${message}\n\n${USAGE}`);
  process.exit(2);
}

function int(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) fail(`--${name} must be a whole number, not "${value}"`);
  return n;
}

function servicesOf(list: string | undefined): ServiceName[] {
  if (list === undefined) return SERVICE_NAMES;
  const names = list.split(",").map((s) => s.trim());
  const unknown = names.filter((n) => !(SERVICE_NAMES as string[]).includes(n));
  if (unknown.length > 0) fail(`unknown service ${unknown.join(", ")}: choose from ${SERVICE_NAMES.join(", ")}`);
  return names as ServiceName[];
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({ options, allowPositionals: true, strict: true });
  const command = positionals[0];
  if (values.help || command === undefined) {
    process.stdout.write(USAGE);
    return;
  }
  if (command !== "demo" && command !== "serve") fail(`unknown command "${command}"`);
  const telemetry = startTelemetry({
    disabled: values.otlp === undefined,
    serviceName: "shop",
    tracesEndpoint: values.otlp,
  });
  const tracer = tracerFor(telemetry.enabled);
  const logger = createLogger(values["log-level"] ?? (command === "demo" ? "warn" : "info"), { service: "shop" });
  const ackWaitMs = int(values["ack-wait-ms"], "ack-wait-ms", 10_000);
  try {
    if (command === "demo") await demo(int(values.orders, "orders", 12), { logger, tracer, ackWaitMs });
    else {
      if (values.nats === undefined) fail("serve needs --nats URL (a nats-server with JetStream: nats-server -js)");
      const shop = await startShop({
        natsUrl: values.nats,
        services: servicesOf(values.services),
        httpPort: values.port === undefined ? undefined : int(values.port, "port", 0),
        ns: values.ns ?? "",
        logger,
        tracer,
        ackWaitMs,
      });
      if (values.seed) await seedState(shop.state, DEMO_SEED);
      await new Promise<void>((resolve) => {
        process.once("SIGINT", resolve);
        process.once("SIGTERM", resolve);
      });
      await shop.stop();
    }
  } finally {
    await telemetry.shutdown();
  }
}

type Deps = Pick<Parameters<typeof startShop>[0], "logger" | "tracer" | "ackWaitMs">;

/** Everything in one process, on a throw-away nats-server: the README's one command. */
async function demo(n: number, deps: Deps): Promise<void> {
  await using nats = await startNats();
  const shop = await startShop({ natsUrl: nats.url, services: SERVICE_NAMES, httpPort: 0, ...deps });
  try {
    await seedState(shop.state, DEMO_SEED);
    const url = shop.url ?? "";
    const orders = demoOrders(n, "demo");
    process.stdout.write(`nats-server ${nats.url}, shop ${url}: sending ${n} orders\n`);
    await postOrders(url, orders);
    const recs = await finalStates(
      url,
      orders.map((o) => o.id),
    );
    process.stdout.write(`\n${formatStates(recs)}\n\n`);
    for (const c of Object.keys(DEMO_SEED.accounts)) {
      const a = await readJson<Account>(shop.state.accounts, c);
      process.stdout.write(`account ${c}: ${a?.balance_cents ?? "?"} cents left\n`);
    }
    for (const sku of Object.keys(DEMO_SEED.stock)) {
      const s = await readJson<Stock>(shop.state.stock, sku);
      process.stdout.write(`stock ${sku}: ${s?.available ?? "?"} left\n`);
    }
  } finally {
    await shop.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`shop: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
