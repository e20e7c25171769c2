/**
 * The ceilings of the backends, each part alone in a worker process of its own (./worker.ts):
 * JetStream publishes, JetStream deliveries, ClickHouse inserts.
 */
import { AckPolicy, type JetStreamManager } from "@nats-io/jetstream";
import { loadConfig } from "../../src/config.ts";
import { createNamespace, dropNamespace, PLAY_DURABLES, type Harness, type Namespace } from "./harness.ts";
import { ceilingRow, failedRow, runWorker } from "./parts.ts";
import type { BenchRow } from "./table.ts";

/** One way of draining the backlog: the durables' ack policy and how often the client acks. */
interface Deliveries {
  id: string;
  label: string;
  /** Durables with `AckPolicy.All`, acked once per consumer batch (`PLAYPULSE_BATCH_SIZE`) and at the end. */
  ackAll: boolean;
}

const TWO_DELIVERIES = "ceiling: JetStream, two deliveries per event (analytics and recommendations durables)";

/** The deliveries as the consumers ack them today, and with the `AckPolicy.All` lever of issue 15. */
const DELIVERIES: readonly Deliveries[] = [
  { id: "ceiling.js.deliver", label: `${TWO_DELIVERIES}, an ack per message`, ackAll: false },
  {
    id: "ceiling.js.deliver.ackall",
    label: `${TWO_DELIVERIES}, AckPolicy.All, an ack per batch`,
    ackAll: true,
  },
];

/**
 * The durables as provisioned, but with `AckPolicy.All`: a consumer's ack policy cannot be
 * updated, so each is deleted and added again with the rest of its configuration.
 */
async function withAckAll(jsm: JetStreamManager, stream: string, durables: readonly string[]): Promise<void> {
  for (const name of durables) {
    const { config } = await jsm.consumers.info(stream, name);
    await jsm.consumers.delete(stream, name);
    await jsm.consumers.add(stream, { ...config, ack_policy: AckPolicy.All });
  }
}

/**
 * Ceiling: the same payloads delivered to the analytics and recommendations durables of a
 * namespace of its own, `consume()` asking for two consumer batches at a time, acked as `d` says.
 * The backlog is published first (not measured), then one worker drains it.
 */
async function measureDeliveries(h: Harness, payloads: number, d: Deliveries): Promise<BenchRow> {
  h.log(`  ${d.label}`);
  let ns: Namespace | undefined;
  try {
    ns = await createNamespace(h, d.ackAll ? "dlva" : "dlv");
    const { batchSize } = loadConfig(ns.env).consumers;
    if (d.ackAll) await withAckAll(h.jsm, ns.stream, PLAY_DURABLES);
    await runWorker(h, { kind: "js-fill", natsUrl: h.natsUrl, prefix: ns.ns, payloads });
    const r = await runWorker(h, {
      kind: "js-deliver",
      natsUrl: h.natsUrl,
      stream: ns.stream,
      durables: [...PLAY_DURABLES],
      durationMs: h.windowMs * 3,
      batch: batchSize,
      ackEvery: d.ackAll ? batchSize : 1,
    });
    return ceilingRow(d.id, d.label, r, "durable's drain");
  } catch (err: unknown) {
    return failedRow(d.id, "ceiling", d.label, err);
  } finally {
    if (ns) await dropNamespace(h, ns);
  }
}

export const PACED_INSERTS_LABEL = "ceiling: ClickHouse insert at the consumers' batch, paced, with its merges";

/**
 * Ceiling: ClickHouse inserts of the consumers' size (`PLAYPULSE_BATCH_SIZE` rows) at the rate at
 * which a consumer fills its batches in its flush interval, in a database of its own (the other
 * ceilings' parts are not merged in its window). A warm-up at the same pace comes first, so the
 * background merges are in their steady state when the window starts.
 */
async function measurePacedInserts(h: Harness): Promise<BenchRow> {
  const id = "ceiling.ch.paced";
  h.log(`  ${PACED_INSERTS_LABEL}`);
  let ns: Namespace | undefined;
  try {
    ns = await createNamespace(h, "chp");
    const { batchSize, flushIntervalMs } = loadConfig(ns.env).consumers;
    const eventsPerSec = Math.round((batchSize * 1000) / flushIntervalMs);
    const [warmupMs, durationMs] = [h.windowMs, h.windowMs * 2];
    const r = await runWorker(h, {
      kind: "ch-paced",
      clickhouseUrl: h.clickhouseUrl,
      database: ns.database,
      batch: batchSize,
      eventsPerSec,
      warmupMs,
      durationMs,
      payloads: Math.ceil((eventsPerSec * (warmupMs + durationMs)) / 1000) + batchSize,
    });
    return ceilingRow(id, PACED_INSERTS_LABEL, r, "batch");
  } catch (err: unknown) {
    return failedRow(id, "ceiling", PACED_INSERTS_LABEL, err);
  } finally {
    if (ns) await dropNamespace(h, ns);
  }
}

/**
 * Ceilings: JetStream publish (two ways) and deliveries (an ack per message, an ack per batch), and
 * ClickHouse insert (two ways, as fast as they go; and at the consumers' batch, paced), of the same payloads.
 */
export async function measureBackends(h: Harness): Promise<BenchRow[]> {
  const payloads = h.quick ? 20_000 : 100_000;
  const rows: BenchRow[] = [];
  const ns = await createNamespace(h, "ceil");
  try {
    const js = [
      {
        id: "ceiling.js.publish",
        kind: "js-publish" as const,
        window: 100,
        label: "ceiling: JetStream, nats.js js.publish (msgID each)",
      },
      {
        id: "ceiling.js.core",
        kind: "js-core" as const,
        window: 2000,
        label: "ceiling: JetStream, core publish + reply correlation (msgID each)",
      },
    ];
    for (const t of js) {
      h.log(`  ${t.label}`);
      try {
        const r = await runWorker(h, {
          kind: t.kind,
          natsUrl: h.natsUrl,
          prefix: ns.ns,
          durationMs: h.windowMs,
          window: t.window,
          payloads,
        });
        rows.push(ceilingRow(t.id, t.label, r, "message"));
      } catch (err: unknown) {
        rows.push(failedRow(t.id, "ceiling", t.label, err));
      }
    }
    for (const d of DELIVERIES) rows.push(await measureDeliveries(h, payloads, d));
    const batch = h.quick ? 10_000 : 100_000;
    const ch = [
      {
        id: "ceiling.ch.raw",
        kind: "ch-raw" as const,
        label: "ceiling: ClickHouse insert, pre-serialised as store.insert sends it",
      },
      {
        id: "ceiling.ch.client",
        kind: "ch-client" as const,
        label: "ceiling: ClickHouse insert, @clickhouse/client row objects",
      },
    ];
    for (const t of ch) {
      h.log(`  ${t.label}`);
      try {
        const r = await runWorker(h, {
          kind: t.kind,
          clickhouseUrl: h.clickhouseUrl,
          database: ns.database,
          durationMs: h.windowMs,
          batch,
          payloads,
        });
        rows.push(ceilingRow(t.id, t.label, r, "batch"));
      } catch (err: unknown) {
        rows.push(failedRow(t.id, "ceiling", t.label, err));
      }
    }
  } finally {
    await dropNamespace(h, ns);
  }
  rows.push(await measurePacedInserts(h));
  return rows;
}
