import { Counter, Histogram, type Registry } from "prom-client";
import type { StoreObserver } from "./db.ts";
import type { HttpObserver } from "./http.ts";

/*
 * The recorders of createMetrics (src/telemetry/metrics.ts), one per observed path: each
 * registers its instruments and returns what that path reports to. Recorders never throw.
 */

/** What the ingest route reports per request (structurally the ingest `IngestObserver`). */
export interface IngestCounts {
  accepted: number;
  duplicates: number;
  rejected: number;
}

/** What the consume loop reports per batch (structurally the bus's `BatchStats`). */
export interface ConsumerBatch {
  consumer: string;
  messages: number;
  /** The events those messages carry (a packed message counts its events). */
  events: number;
  acked: number;
  retried: number;
  deadLettered: number;
  redelivered: number;
  /** For each message the batch stored: seconds from JetStream storing it to the insert returning. */
  freshnessSeconds?: readonly number[];
}

/** What the ingest route reports to. */
export interface IngestRecorder {
  onResponse: (status: number, body: IngestCounts | undefined, publishMs: number) => void;
  /** Several held publishes sent as one message (PLAYPULSE_PACK_ACROSS_REQUESTS): how many. */
  onMerged: (members: number) => void;
}

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const FRESHNESS_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 900, 3600];
const COUNT_BUCKETS = [1, 10, 100, 500, 1000, 2500, 5000, 10_000, 50_000];
const RESULTS = ["acked", "retried", "dead_lettered"] as const;

/** Metrics never break the path they observe: a recorder that throws records nothing. */
function safe<A extends unknown[]>(record: (...args: A) => void): (...args: A) => void {
  return (...args) => {
    try {
      record(...args);
    } catch {
      // dropped on purpose: a count is not worth a failed request or batch
    }
  };
}

/**
 * Requests answered and their duration, by method and route pattern.
 *
 * @example
 * httpRecorder([registry]).onRequest("GET", "/v1/overview", 200, 0.012);
 */
export function httpRecorder(registers: Registry[]): HttpObserver {
  const httpRequests = new Counter({
    name: "playpulse_http_requests_total",
    help: "HTTP requests answered, by method, route pattern and status code (POST /v1/events is the ingest edge).",
    labelNames: ["method", "route", "status"] as const,
    registers,
  });
  const httpDuration = new Histogram({
    name: "playpulse_http_request_duration_seconds",
    help: "Time from receiving an HTTP request to its answer, by method and route pattern.",
    labelNames: ["method", "route"] as const,
    buckets: LATENCY_BUCKETS,
    registers,
  });
  return {
    onRequest: safe((method: string, route: string, status: number, seconds: number) => {
      httpRequests.inc({ method, route, status: String(status) });
      httpDuration.observe({ method, route }, seconds);
    }),
  };
}

/**
 * Events by outcome, events per request and the JetStream publish time of POST /v1/events.
 *
 * @example
 * ingestRecorder([registry]).onResponse(202, { accepted: 3, duplicates: 0, rejected: 1 }, 4);
 */
export function ingestRecorder(registers: Registry[]): IngestRecorder {
  const ingestEvents = new Counter({
    name: "playpulse_ingest_events_total",
    help: "Events received by POST /v1/events, by outcome: accepted (stored in JetStream), duplicate (already stored), rejected (invalid).",
    labelNames: ["outcome"] as const,
    registers,
  });
  const ingestBatch = new Histogram({
    name: "playpulse_ingest_request_events",
    help: "Events per POST /v1/events request that reached validation.",
    buckets: COUNT_BUCKETS,
    registers,
  });
  const publishDuration = new Histogram({
    name: "playpulse_publish_duration_seconds",
    help: "Time to publish one request's events to JetStream and receive every acknowledgement, by result (ok, failed).",
    labelNames: ["result"] as const,
    buckets: LATENCY_BUCKETS,
    registers,
  });
  const carriers = new Counter({
    name: "playpulse_publish_merged_carriers_total",
    help: "JetStream messages that carried the held publishes of several calls together (PLAYPULSE_PACK_ACROSS_REQUESTS).",
    registers,
  });
  const merged = new Counter({
    name: "playpulse_publish_merged_messages_total",
    help: "Held publishes (one per event type of a small request) that travelled in such a carrier; divided by the carriers, the calls per carrier.",
    registers,
  });
  for (const outcome of ["accepted", "duplicate", "rejected"]) ingestEvents.inc({ outcome }, 0);
  return {
    onMerged: safe((members: number) => {
      carriers.inc();
      merged.inc(members);
    }),
    onResponse: safe((status: number, body: IngestCounts | undefined, publishMs: number) => {
      if (body) {
        ingestEvents.inc({ outcome: "accepted" }, body.accepted);
        ingestEvents.inc({ outcome: "duplicate" }, body.duplicates);
        ingestEvents.inc({ outcome: "rejected" }, body.rejected);
        ingestBatch.observe(body.accepted + body.duplicates + body.rejected);
      }
      if (status === 503) publishDuration.observe({ result: "failed" }, publishMs / 1000);
      else if (body && body.accepted + body.duplicates > 0) publishDuration.observe({ result: "ok" }, publishMs / 1000);
    }),
  };
}

/**
 * Messages by result, redeliveries, batch sizes and end-to-end freshness, by consumer.
 *
 * @example
 * const onBatch = batchRecorder([registry], ["analytics"]);
 */
export function batchRecorder(registers: Registry[], consumers: readonly string[]): (stats: ConsumerBatch) => void {
  const consumerMessages = new Counter({
    name: "playpulse_consumer_messages_total",
    help: "Messages handled by a consumer, by result: acked (stored), retried (nak, redelivered later), dead_lettered (moved to the DLQ stream).",
    labelNames: ["consumer", "result"] as const,
    registers,
  });
  const redeliveries = new Counter({
    name: "playpulse_consumer_redeliveries_total",
    help: "Messages a consumer received more than once (delivery count > 1).",
    labelNames: ["consumer"] as const,
    registers,
  });
  const batchSize = new Histogram({
    name: "playpulse_consumer_batch_messages",
    help: "Messages per batch fetched by a consumer.",
    labelNames: ["consumer"] as const,
    buckets: COUNT_BUCKETS,
    registers,
  });
  const batchEvents = new Histogram({
    name: "playpulse_consumer_batch_events",
    help: "Events per batch fetched by a consumer: a packed message (PLAYPULSE_PACK_EVENTS) counts its events, so this is what PLAYPULSE_BATCH_SIZE bounds. Without packs it equals playpulse_consumer_batch_messages.",
    labelNames: ["consumer"] as const,
    buckets: COUNT_BUCKETS,
    registers,
  });
  const freshness = new Histogram({
    name: "playpulse_event_freshness_seconds",
    help: "End-to-end freshness: time from JetStream storing an accepted event to its row being stored in ClickHouse, by consumer.",
    labelNames: ["consumer"] as const,
    buckets: FRESHNESS_BUCKETS,
    registers,
  });
  for (const consumer of consumers) {
    for (const result of RESULTS) consumerMessages.inc({ consumer, result }, 0);
    redeliveries.inc({ consumer }, 0);
  }
  return safe((stats: ConsumerBatch) => {
    const consumer = stats.consumer;
    if (stats.acked > 0) consumerMessages.inc({ consumer, result: "acked" }, stats.acked);
    if (stats.retried > 0) consumerMessages.inc({ consumer, result: "retried" }, stats.retried);
    if (stats.deadLettered > 0) consumerMessages.inc({ consumer, result: "dead_lettered" }, stats.deadLettered);
    if (stats.redelivered > 0) redeliveries.inc({ consumer }, stats.redelivered);
    batchSize.observe({ consumer }, stats.messages);
    batchEvents.observe({ consumer }, stats.events);
    if (stats.freshnessSeconds) {
      const h = freshness.labels({ consumer });
      for (const s of stats.freshnessSeconds) h.observe(s);
    }
  });
}

/**
 * Rows, batches and insert time of the ClickHouse batch inserts, by table.
 *
 * @example
 * storeRecorder([registry]).onInsert("video_events", 500, 0.03, true);
 */
export function storeRecorder(registers: Registry[]): StoreObserver {
  const insertRows = new Counter({
    name: "playpulse_clickhouse_insert_rows_total",
    help: "Rows stored in ClickHouse by successful batch inserts, by table.",
    labelNames: ["table"] as const,
    registers,
  });
  const insertBatches = new Counter({
    name: "playpulse_clickhouse_insert_batches_total",
    help: "Batch inserts into ClickHouse, by table and result (ok, error); errors are retried from JetStream.",
    labelNames: ["table", "result"] as const,
    registers,
  });
  const insertDuration = new Histogram({
    name: "playpulse_clickhouse_insert_duration_seconds",
    help: "Time of one batch insert into ClickHouse, successful or not, by table.",
    labelNames: ["table"] as const,
    buckets: LATENCY_BUCKETS,
    registers,
  });
  return {
    onInsert: safe((table: string, rows: number, seconds: number, ok: boolean) => {
      insertBatches.inc({ table, result: ok ? "ok" : "error" });
      insertDuration.observe({ table }, seconds);
      if (ok) insertRows.inc({ table }, rows);
    }),
  };
}
