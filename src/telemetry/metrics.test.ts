import { describe, expect, it } from "vitest";
import type { BacklogReader, ConsumerBacklog } from "./consumer-backlog.ts";
import { createMetrics } from "./metrics.ts";

/** The sample lines (no HELP/TYPE) of the metrics whose name starts with `prefix`. */
async function samples(render: () => Promise<string>, prefix: string): Promise<string[]> {
  return (await render()).split("\n").filter((l) => l.startsWith(prefix));
}

const batch = {
  consumer: "analytics",
  messages: 5,
  events: 120,
  acked: 3,
  retried: 1,
  deadLettered: 1,
  redelivered: 2,
  freshnessSeconds: [0.2, 0.7, 3],
};

describe("createMetrics", () => {
  it("starts the counters of its consumers and the ingest outcomes at 0", async () => {
    const m = createMetrics({ processMetrics: false, consumers: ["content"] });
    expect(await samples(m.render, "playpulse_consumer_messages_total")).toEqual([
      'playpulse_consumer_messages_total{consumer="content",result="acked"} 0',
      'playpulse_consumer_messages_total{consumer="content",result="retried"} 0',
      'playpulse_consumer_messages_total{consumer="content",result="dead_lettered"} 0',
    ]);
    expect(await samples(m.render, "playpulse_ingest_events_total")).toEqual([
      'playpulse_ingest_events_total{outcome="accepted"} 0',
      'playpulse_ingest_events_total{outcome="duplicate"} 0',
      'playpulse_ingest_events_total{outcome="rejected"} 0',
    ]);
  });

  it("counts ingest answers: events by outcome, events per request, publish time by result", async () => {
    const m = createMetrics({ processMetrics: false });
    m.ingest.onResponse(202, { accepted: 2, duplicates: 1, rejected: 1 }, 12);
    m.ingest.onResponse(400, { accepted: 0, duplicates: 0, rejected: 3 }, 0);
    m.ingest.onResponse(503, undefined, 5000);
    expect(await samples(m.render, "playpulse_ingest_events_total")).toEqual([
      'playpulse_ingest_events_total{outcome="accepted"} 2',
      'playpulse_ingest_events_total{outcome="duplicate"} 1',
      'playpulse_ingest_events_total{outcome="rejected"} 4',
    ]);
    expect(await samples(m.render, "playpulse_ingest_request_events_count")).toEqual([
      "playpulse_ingest_request_events_count 2",
    ]);
    expect(await samples(m.render, "playpulse_ingest_request_events_sum")).toEqual([
      "playpulse_ingest_request_events_sum 7",
    ]);
    expect(await samples(m.render, "playpulse_publish_duration_seconds_count")).toEqual([
      'playpulse_publish_duration_seconds_count{result="ok"} 1',
      'playpulse_publish_duration_seconds_count{result="failed"} 1',
    ]);
    expect(await samples(m.render, "playpulse_publish_duration_seconds_sum")).toEqual([
      'playpulse_publish_duration_seconds_sum{result="ok"} 0.012',
      'playpulse_publish_duration_seconds_sum{result="failed"} 5',
    ]);
  });

  it("counts the carriers of merged publishes and the publishes they carried", async () => {
    const m = createMetrics({ processMetrics: false });
    expect(await samples(m.render, "playpulse_publish_merged_")).toEqual([
      "playpulse_publish_merged_carriers_total 0",
      "playpulse_publish_merged_messages_total 0",
    ]);
    m.ingest.onMerged(3);
    m.ingest.onMerged(10);
    expect(await samples(m.render, "playpulse_publish_merged_")).toEqual([
      "playpulse_publish_merged_carriers_total 2",
      "playpulse_publish_merged_messages_total 13",
    ]);
  });

  it("counts HTTP requests by method, route and status", async () => {
    const m = createMetrics({ processMetrics: false });
    m.http.onRequest("POST", "/v1/events", 202, 0.003);
    m.http.onRequest("POST", "/v1/events", 202, 0.004);
    m.http.onRequest("GET", "unmatched", 404, 0.0001);
    expect(await samples(m.render, "playpulse_http_requests_total")).toEqual([
      'playpulse_http_requests_total{method="POST",route="/v1/events",status="202"} 2',
      'playpulse_http_requests_total{method="GET",route="unmatched",status="404"} 1',
    ]);
    expect(await samples(m.render, 'playpulse_http_request_duration_seconds_bucket{le="0.005",method="POST"')).toEqual([
      'playpulse_http_request_duration_seconds_bucket{le="0.005",method="POST",route="/v1/events"} 2',
    ]);
  });

  it("counts consumer batches: results, redeliveries, batch sizes and freshness", async () => {
    const m = createMetrics({ processMetrics: false, consumers: ["analytics"] });
    m.onBatch(batch);
    m.onBatch({
      ...batch,
      acked: 1,
      retried: 0,
      deadLettered: 0,
      redelivered: 0,
      messages: 1,
      events: 1,
      freshnessSeconds: [],
    });
    expect(await samples(m.render, "playpulse_consumer_")).toEqual(
      expect.arrayContaining([
        'playpulse_consumer_messages_total{consumer="analytics",result="acked"} 4',
        'playpulse_consumer_messages_total{consumer="analytics",result="retried"} 1',
        'playpulse_consumer_messages_total{consumer="analytics",result="dead_lettered"} 1',
        'playpulse_consumer_redeliveries_total{consumer="analytics"} 2',
        'playpulse_consumer_batch_messages_sum{consumer="analytics"} 6',
        'playpulse_consumer_batch_messages_count{consumer="analytics"} 2',
        'playpulse_consumer_batch_events_sum{consumer="analytics"} 121',
        'playpulse_consumer_batch_events_count{consumer="analytics"} 2',
        'playpulse_consumer_batch_events_bucket{le="100",consumer="analytics"} 1',
        'playpulse_consumer_batch_events_bucket{le="500",consumer="analytics"} 2',
      ]),
    );
    expect(await samples(m.render, "playpulse_event_freshness_seconds")).toEqual(
      expect.arrayContaining([
        'playpulse_event_freshness_seconds_bucket{le="0.25",consumer="analytics"} 1',
        'playpulse_event_freshness_seconds_bucket{le="1",consumer="analytics"} 2',
        'playpulse_event_freshness_seconds_bucket{le="5",consumer="analytics"} 3',
        'playpulse_event_freshness_seconds_count{consumer="analytics"} 3',
      ]),
    );
  });

  it("counts inserts: rows of the successful ones, batches by result, time of all", async () => {
    const m = createMetrics({ processMetrics: false });
    m.store.onInsert("events", 100, 0.02, true);
    m.store.onInsert("events", 50, 0.5, false);
    expect(await samples(m.render, "playpulse_clickhouse_insert_")).toEqual(
      expect.arrayContaining([
        'playpulse_clickhouse_insert_rows_total{table="events"} 100',
        'playpulse_clickhouse_insert_batches_total{table="events",result="ok"} 1',
        'playpulse_clickhouse_insert_batches_total{table="events",result="error"} 1',
        'playpulse_clickhouse_insert_duration_seconds_count{table="events"} 2',
      ]),
    );
  });

  it("samples the backlog of its own consumers once per scrape, and drops the series when JetStream cannot answer", async () => {
    const backlog: ConsumerBacklog = {
      consumer: "analytics",
      filterSubject: "user.>",
      numPending: 7,
      numAckPending: 2,
      ackFloorSeq: 10,
      oldest: { seq: 11, subject: "user.video.played", storedAt: Date.now() - 90_000 },
      deadLetters: 3,
    };
    let reads = 0;
    let fail = false;
    const reader: BacklogReader = {
      read(consumers) {
        reads++;
        expect(consumers).toEqual(["analytics"]);
        return fail ? Promise.reject(new Error("not connected to NATS")) : Promise.resolve([backlog]);
      },
    };
    const m = createMetrics({ processMetrics: false });
    m.watchBacklog(reader, ["analytics"]);
    const lines = (await m.render()).split("\n").filter((l) => /^playpulse_(consumer|dead_letter)/.test(l));
    expect(reads).toBe(1);
    expect(lines.filter((l) => !l.includes("oldest"))).toEqual([
      'playpulse_consumer_pending_messages{consumer="analytics"} 7',
      'playpulse_consumer_ack_pending_messages{consumer="analytics"} 2',
      'playpulse_dead_letter_messages{consumer="analytics"} 3',
    ]);
    const age = Number(
      lines.find((l) => l.startsWith("playpulse_consumer_oldest_unprocessed_age_seconds"))?.split(" ")[1],
    );
    expect(age).toBeGreaterThanOrEqual(90);
    expect(age).toBeLessThan(120);

    fail = true;
    expect(
      (await samples(m.render, "playpulse_consumer_")).filter((l) => l.includes("pending") || l.includes("oldest")),
    ).toEqual([]);
    expect(reads).toBe(2);
  });

  it("never throws into the path it observes", async () => {
    const m = createMetrics({ processMetrics: false });
    // prom-client refuses to decrease a counter: the recorder swallows that and records nothing.
    expect(() => m.store.onInsert("events", -5, 0.1, true)).not.toThrow();
    expect(() => m.onBatch({ ...batch, acked: -1, retried: 0, deadLettered: 0, redelivered: 0 })).not.toThrow();
    expect(await samples(m.render, "playpulse_clickhouse_insert_rows_total")).toEqual([]);
  });

  it("keeps a registry per instance, with the Node process metrics unless told", async () => {
    const a = createMetrics();
    const b = createMetrics({ processMetrics: false });
    a.http.onRequest("GET", "/v1/trending", 200, 0.01);
    expect(await samples(b.render, "playpulse_http_requests_total")).toEqual([]);
    expect(await a.render()).toContain("process_cpu_user_seconds_total");
    expect(await b.render()).not.toContain("process_cpu_user_seconds_total");
  });
});

describe("k8s/components/monitoring/grafana-dashboard.json", () => {
  it("queries only metrics that Playpulse exposes", async () => {
    const { readFile } = await import("node:fs/promises");
    const dashboard = await readFile(
      new URL("../../k8s/components/monitoring/grafana-dashboard.json", import.meta.url),
      "utf8",
    );
    const m = createMetrics();
    m.watchBacklog({ read: () => Promise.resolve([]) }, ["analytics"]);
    const exposed = new Set((await m.registry.getMetricsAsJSON()).map((metric) => metric.name));
    const used = new Set(
      [...dashboard.matchAll(/\b((?:playpulse|nodejs|process)_[a-z0-9_]+)/g)].map((x) =>
        (x[1] ?? "").replace(/_(bucket|sum|count)$/, ""),
      ),
    );
    expect([...used].filter((name) => !exposed.has(name))).toEqual([]);
    expect(used.size).toBeGreaterThan(15);
  });

  it("and docs/observability.md lists every playpulse_ metric", async () => {
    const { readFile } = await import("node:fs/promises");
    const doc = await readFile(new URL("../../docs/observability.md", import.meta.url), "utf8");
    const m = createMetrics({ processMetrics: false });
    m.watchBacklog({ read: () => Promise.resolve([]) }, ["analytics"]);
    const names = (await m.registry.getMetricsAsJSON()).map((metric) => metric.name);
    expect(names.filter((name) => !doc.includes(`\`${name}\``))).toEqual([]);
  });
});
