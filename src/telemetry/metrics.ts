import { collectDefaultMetrics, Gauge, Registry } from "prom-client";
import type { BacklogReader, ConsumerBacklog } from "./consumer-backlog.ts";
import type { StoreObserver } from "./db.ts";
import type { HttpObserver } from "./http.ts";
import {
  batchRecorder,
  httpRecorder,
  ingestRecorder,
  storeRecorder,
  type ConsumerBatch,
  type IngestRecorder,
} from "./recorders.ts";

export type { ConsumerBatch, IngestCounts } from "./recorders.ts";

export interface Metrics {
  /** This process's registry (never prom-client's global one). */
  registry: Registry;
  /** The Prometheus text exposition of every metric. */
  render: () => Promise<string>;
  http: HttpObserver;
  ingest: IngestRecorder;
  store: StoreObserver;
  onBatch: (stats: ConsumerBatch) => void;
  /** Samples the backlog of these consumers on every scrape (only consumers this process runs, so no series is reported twice). */
  watchBacklog(reader: BacklogReader, consumers: readonly string[]): void;
}

export interface MetricsOptions {
  /** Node process metrics (`process_*`, `nodejs_*`); on by default. */
  processMetrics?: boolean;
  /** Consumers run by this process: their counters start at 0. */
  consumers?: readonly string[];
}

/**
 * Every Playpulse metric, in a registry of its own, named by Prometheus conventions
 * (`playpulse_` prefix, base units, `_total` counters). Labels carry only bounded values
 * (route patterns, statuses, consumer and table names), never user or video ids.
 * docs/observability.md lists them all; src/telemetry/recorders.ts defines them, one recorder
 * per observed path.
 *
 * @example
 * const metrics = createMetrics({ consumers: ["analytics"] });
 * createHttpApp({ ..., metrics: () => metrics.render() });
 */
export function createMetrics(opts: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  const registers = [registry];
  if (opts.processMetrics !== false) collectDefaultMetrics({ register: registry });
  const http = httpRecorder(registers);
  const ingest = ingestRecorder(registers);
  const onBatch = batchRecorder(registers, opts.consumers ?? []);
  const store = storeRecorder(registers);

  const backlog: BacklogSampler = { read: undefined, sample: undefined };
  return {
    registry,
    async render() {
      // One fresh JetStream read per scrape, shared by every backlog gauge.
      backlog.sample = backlog.read?.();
      try {
        return await registry.metrics();
      } finally {
        backlog.sample = undefined;
      }
    },
    http,
    ingest,
    store,
    onBatch,
    watchBacklog(reader, consumers) {
      if (consumers.length === 0 || backlog.read) return;
      backlog.read = () => reader.read(consumers).catch(() => undefined);
      registerBacklogGauges(registry, backlog);
    },
  };
}

interface BacklogSampler {
  read: (() => Promise<ConsumerBacklog[] | undefined>) | undefined;
  /** The read of the scrape in progress. */
  sample: Promise<ConsumerBacklog[] | undefined> | undefined;
}

/** Gauges read from JetStream when Prometheus scrapes; one read per scrape serves all of them. */
function registerBacklogGauges(registry: Registry, backlog: BacklogSampler): void {
  const read = () => backlog.sample ?? backlog.read?.();
  const gauge = (name: string, help: string, value: (b: ConsumerBacklog, now: number) => number | undefined) =>
    new Gauge({
      name,
      help,
      labelNames: ["consumer"] as const,
      registers: [registry],
      async collect() {
        const backlog = await read();
        this.reset();
        const now = Date.now();
        for (const b of backlog ?? []) {
          const v = value(b, now);
          if (v !== undefined) this.set({ consumer: b.consumer }, v);
        }
      },
    });
  gauge(
    "playpulse_consumer_pending_messages",
    "Messages matching a consumer's filter not yet delivered to it (JetStream num_pending), sampled on scrape.",
    (b) => b.numPending,
  );
  gauge(
    "playpulse_consumer_ack_pending_messages",
    "Messages delivered to a consumer and not yet acknowledged (num_ack_pending), sampled on scrape.",
    (b) => b.numAckPending,
  );
  gauge(
    "playpulse_consumer_oldest_unprocessed_age_seconds",
    "Age of the oldest message a consumer has not yet processed (0 when it is caught up), sampled on scrape.",
    (b, now) => (b.oldest ? Math.max(0, now - b.oldest.storedAt) / 1000 : 0),
  );
  gauge(
    "playpulse_dead_letter_messages",
    "Messages of a consumer waiting in the dead-letter stream, sampled on scrape.",
    (b) => b.deadLetters,
  );
}
