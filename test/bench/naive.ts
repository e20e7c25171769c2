/**
 * The naive baseline: the textbook event pipeline (as most event-driven tutorials write it)
 * on the same stack, same stream, same subjects, same tables and the same validation and row
 * code, differing only in design:
 * - edge: awaits one `js.publish` per event before answering 202;
 * - consumer: `consume()` and, per message, one ClickHouse INSERT of one row, then the ack.
 *
 * `node --import tsx test/bench/naive.ts edge '{"natsUrl":…,"prefix":…,"port":…,"key":…}'`
 * `node --import tsx test/bench/naive.ts consumer '{"natsUrl":…,"stream":…,"clickhouseUrl":…,"database":…}'`
 */
import { jetstream } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { Hono } from "hono";
import type { ConsumerHandler } from "../../src/bus/index.ts";
import { analytics } from "../../src/consumers/analytics/index.ts";
import { recommendations } from "../../src/consumers/recommendations/index.ts";
import { createTableConsumer } from "../../src/consumers/table-consumer.ts";
import { createValidator, encodeStoredEvent, subjectNames } from "../../src/events/index.ts";
import { listenNode } from "../../src/http/node-server.ts";
import { createStore } from "../../src/store/index.ts";

interface EdgeArgs {
  natsUrl: string;
  prefix: string;
  port: number;
  key: string;
}

interface ConsumerArgs {
  natsUrl: string;
  stream: string;
  clickhouseUrl: string;
  database: string;
}

async function edge(a: EdgeArgs): Promise<void> {
  const nc = await connect({ servers: a.natsUrl });
  const js = jetstream(nc);
  const validate = createValidator();
  const subjects = subjectNames(a.prefix);
  const app = new Hono();
  app.get("/readyz", (c) => c.json({ status: "ready" }));
  app.post("/v1/events", async (c) => {
    if (c.req.header("authorization") !== `Bearer ${a.key}`) return c.json({ error: "unauthorized" }, 401);
    const body: unknown = await c.req.json();
    const items: unknown[] = Array.isArray(body) ? body : [body];
    let accepted = 0;
    let duplicates = 0;
    let rejected = 0;
    for (const item of items) {
      const v = validate(item);
      if (!v.ok) {
        rejected++;
        continue;
      }
      const ack = await js.publish(subjects.forType(v.event.type), encodeStoredEvent(v.event, Date.now()), {
        msgID: v.event.id,
      });
      if (ack.duplicate) duplicates++;
      else accepted++;
    }
    return c.json({ accepted, duplicates, rejected, results: [] }, accepted + duplicates > 0 ? 202 : 400);
  });
  const server = await listenNode(app, "127.0.0.1", a.port);
  process.stdout.write(`listening ${server.port}\n`);
  await new Promise((r) => process.once("SIGTERM", r));
  await server.close();
  await nc.drain();
}

async function consumer(a: ConsumerArgs): Promise<void> {
  const nc = await connect({ servers: a.natsUrl });
  const js = jetstream(nc);
  const store = createStore({ url: a.clickhouseUrl, database: a.database });
  let stopping = false;
  const loop = async (handler: ConsumerHandler<object>) => {
    const c = await js.consumers.get(a.stream, handler.name);
    const messages = await c.consume();
    process.once("SIGTERM", () => void messages.close());
    for await (const m of messages) {
      if (stopping) break;
      const msg = {
        subject: m.subject,
        data: m.data,
        header: () => undefined,
        streamSeq: m.seq,
        deliveryCount: m.info.deliveryCount,
      };
      const outcome = handler.prepare(msg);
      try {
        if (outcome.kind === "ok") await handler.write([{ msg, rows: outcome.rows }]);
        m.ack();
      } catch {
        m.nak(500);
      }
    }
  };
  process.once("SIGTERM", () => (stopping = true));
  process.stdout.write("consuming\n");
  await Promise.all([
    loop(createTableConsumer(analytics, { store }) as ConsumerHandler<object>),
    loop(createTableConsumer(recommendations, { store }) as ConsumerHandler<object>),
  ]);
  await nc.drain();
  await store.close();
}

const [role, json] = process.argv.slice(2);
const args: unknown = JSON.parse(json ?? "{}");
const run =
  role === "edge"
    ? edge(args as EdgeArgs)
    : role === "consumer"
      ? consumer(args as ConsumerArgs)
      : Promise.reject(new Error(`naive: unknown role ${role}`));
run.then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
