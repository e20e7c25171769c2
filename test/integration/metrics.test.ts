import { jetstream } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { describe, expect, inject, it } from "vitest";
import { startPipeline, waitFor } from "../helpers/index.ts";

/** Prometheus text -> `name{k="v",...}` (labels sorted) -> value. */
function parseMetrics(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$/.exec(line);
    if (!m?.[1] || m[4] === undefined) throw new Error(`unparsable metrics line: ${line}`);
    const labels = [...(m[3] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => `${l[1]}="${l[2]}"`).sort();
    out.set(labels.length > 0 ? `${m[1]}{${labels.join(",")}}` : m[1], Number(m[4]));
  }
  return out;
}

const key = (name: string, labels: Record<string, string> = {}) => {
  const parts = Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .sort();
  return parts.length > 0 ? `${name}{${parts.join(",")}}` : name;
};

describe("/metrics after known traffic", () => {
  it("counts requests, events, consumer results, inserts, freshness and backlog exactly", async () => {
    await using p = await startPipeline({ natsUrl: inject("natsUrl"), clickhouseUrl: inject("clickhouseUrl") });
    const video = `vid-${p.ns}`;
    const user = `user-${p.ns}`;
    /** A minute ago, not a fixed date: one past PLAYPULSE_MAX_EVENT_AGE_DAYS (365) is rejected. */
    const TS = new Date(Date.now() - 60_000).toISOString();
    const played = (id: string) => ({
      id,
      type: "user.video.played",
      timestamp: TS,
      user_id: user,
      view_id: `v-${id}`,
      video_id: video,
      position_ms: 0,
      startup_ms: 100,
    });
    const encoded = {
      id: `${p.ns}-c1`,
      type: "video.encoding.completed",
      timestamp: TS,
      video_id: video,
      title: "T",
      duration_ms: 1000,
      genres: [],
    };
    const batch = [played(`${p.ns}-a1`), played(`${p.ns}-a2`), encoded];

    expect((await p.send([...batch, { type: "user.video.played" }])).body).toMatchObject({
      accepted: 3,
      duplicates: 0,
      rejected: 1,
    });
    expect((await p.send(batch)).body).toMatchObject({ accepted: 0, duplicates: 3, rejected: 0 });
    expect((await p.send(batch, { key: null })).status).toBe(401);
    expect((await p.send([{ type: "nope" }, { type: "user.video.played" }])).status).toBe(400);
    expect((await p.get("/v1/videos/top")).status).toBe(200);
    expect((await p.get("/no/such/route")).status).toBe(404);

    // A message no consumer can read: analytics and recommendations both dead-letter it.
    const nc = await connect({ servers: inject("natsUrl") });
    try {
      await jetstream(nc).publish(`${p.ns}.user.video.played`, "not json", { msgID: `${p.ns}-bad` });
    } finally {
      await nc.close();
    }

    const scrape = async () => {
      const res = await fetch(`${p.baseUrl}/metrics`);
      expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
      const text = await res.text();
      return { text, m: parseMetrics(text) };
    };
    const acked = (m: Map<string, number>, consumer: string) =>
      m.get(key("playpulse_consumer_messages_total", { consumer, result: "acked" }));
    const dead = (m: Map<string, number>, consumer: string) =>
      m.get(key("playpulse_consumer_messages_total", { consumer, result: "dead_lettered" }));
    const { text, m } = await waitFor(
      async () => {
        const s = await scrape();
        const done =
          acked(s.m, "analytics") === 2 && acked(s.m, "recommendations") === 2 && acked(s.m, "content") === 1;
        // The backlog gauges are sampled from JetStream on scrape: they catch up with the acks.
        const drained = ["analytics", "recommendations", "content"].every(
          (consumer) =>
            s.m.get(key("playpulse_consumer_ack_pending_messages", { consumer })) === 0 &&
            s.m.get(key("playpulse_consumer_pending_messages", { consumer })) === 0,
        );
        return done && drained && dead(s.m, "analytics") === 1 && dead(s.m, "recommendations") === 1 ? s : undefined;
      },
      { timeoutMs: 30_000, what: "every consumer done with the traffic, and JetStream saying so" },
    );

    const expected: [string, Record<string, string>, number][] = [
      ["playpulse_http_requests_total", { method: "POST", route: "/v1/events", status: "202" }, 2],
      ["playpulse_http_requests_total", { method: "POST", route: "/v1/events", status: "401" }, 1],
      ["playpulse_http_requests_total", { method: "POST", route: "/v1/events", status: "400" }, 1],
      ["playpulse_http_requests_total", { method: "GET", route: "/v1/videos/top", status: "200" }, 1],
      ["playpulse_http_requests_total", { method: "GET", route: "unmatched", status: "404" }, 1],
      ["playpulse_http_request_duration_seconds_count", { method: "POST", route: "/v1/events" }, 4],
      ["playpulse_ingest_events_total", { outcome: "accepted" }, 3],
      ["playpulse_ingest_events_total", { outcome: "duplicate" }, 3],
      ["playpulse_ingest_events_total", { outcome: "rejected" }, 3],
      ["playpulse_ingest_request_events_count", {}, 3],
      ["playpulse_ingest_request_events_sum", {}, 9],
      ["playpulse_publish_duration_seconds_count", { result: "ok" }, 2],
      ["playpulse_consumer_messages_total", { consumer: "analytics", result: "acked" }, 2],
      ["playpulse_consumer_messages_total", { consumer: "analytics", result: "retried" }, 0],
      ["playpulse_consumer_messages_total", { consumer: "analytics", result: "dead_lettered" }, 1],
      ["playpulse_consumer_messages_total", { consumer: "recommendations", result: "acked" }, 2],
      ["playpulse_consumer_messages_total", { consumer: "recommendations", result: "dead_lettered" }, 1],
      ["playpulse_consumer_messages_total", { consumer: "content", result: "acked" }, 1],
      ["playpulse_consumer_messages_total", { consumer: "content", result: "dead_lettered" }, 0],
      ["playpulse_consumer_redeliveries_total", { consumer: "analytics" }, 0],
      ["playpulse_consumer_batch_messages_sum", { consumer: "analytics" }, 3],
      ["playpulse_consumer_batch_messages_sum", { consumer: "content" }, 1],
      ["playpulse_consumer_batch_events_sum", { consumer: "analytics" }, 3],
      ["playpulse_consumer_batch_events_sum", { consumer: "content" }, 1],
      ["playpulse_clickhouse_insert_rows_total", { table: "events" }, 2],
      ["playpulse_clickhouse_insert_rows_total", { table: "rec_events" }, 2],
      ["playpulse_clickhouse_insert_rows_total", { table: "catalog" }, 1],
      ["playpulse_event_freshness_seconds_count", { consumer: "analytics" }, 2],
      ["playpulse_event_freshness_seconds_count", { consumer: "recommendations" }, 2],
      ["playpulse_event_freshness_seconds_count", { consumer: "content" }, 1],
      ["playpulse_consumer_pending_messages", { consumer: "analytics" }, 0],
      ["playpulse_consumer_ack_pending_messages", { consumer: "recommendations" }, 0],
      ["playpulse_consumer_oldest_unprocessed_age_seconds", { consumer: "content" }, 0],
      ["playpulse_dead_letter_messages", { consumer: "analytics" }, 1],
      ["playpulse_dead_letter_messages", { consumer: "recommendations" }, 1],
      ["playpulse_dead_letter_messages", { consumer: "content" }, 0],
    ];
    expect(expected.map(([name, labels]) => [key(name, labels), m.get(key(name, labels))])).toEqual(
      expected.map(([name, labels, v]) => [key(name, labels), v]),
    );

    // Every insert was timed and counted once; none failed.
    for (const table of ["events", "rec_events", "catalog"]) {
      const ok = m.get(key("playpulse_clickhouse_insert_batches_total", { table, result: "ok" }));
      expect(ok, table).toBeGreaterThanOrEqual(1);
      expect(m.get(key("playpulse_clickhouse_insert_duration_seconds_count", { table })), table).toBe(ok);
      expect(
        m.get(key("playpulse_clickhouse_insert_batches_total", { table, result: "error" })),
        table,
      ).toBeUndefined();
    }
    expect(m.has("process_cpu_user_seconds_total")).toBe(true);
    // No user or video id is ever a label value.
    expect(text).not.toContain(video);
    expect(text).not.toContain(user);
  });
});
