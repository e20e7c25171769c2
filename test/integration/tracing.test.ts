import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startTelemetry, type Telemetry } from "../../src/instrumentation.ts";
import { ident, sql } from "../../src/store/index.ts";
import { startPipeline, waitFor, type Pipeline } from "../helpers/index.ts";
import { writeKeyMsgId } from "../helpers/jetstream.ts";
import {
  startOtlpReceiver as startReceiver,
  type OtlpReceiver as Receiver,
  type ReceivedSpan as Span,
} from "../helpers/otlp.ts";

/**
 * The trace of an event over the wire: the real OTLP/HTTP exporter sends JSON to a receiver
 * on 127.0.0.1, and the spans it decodes must form one trace from the HTTP request through
 * the JetStream publish and each consumer to the ClickHouse insert.
 */

// OTLP span kinds (opentelemetry-proto): INTERNAL 1, SERVER 2, CLIENT 3, PRODUCER 4, CONSUMER 5.
const SERVER = 2;
const CLIENT = 3;
const PRODUCER = 4;
const CONSUMER = 5;

const hex = (bytes: number) => randomBytes(bytes).toString("hex");
const JAEGER = "http://jaeger.test:16686";

describe("tracing: one trace from the HTTP request to every consumer's insert", () => {
  let receiver: Receiver;
  let telemetry: Telemetry;
  let p: Pipeline;

  beforeAll(async () => {
    receiver = await startReceiver();
    telemetry = startTelemetry({
      disabled: false,
      serviceName: "playpulse-test",
      tracesEndpoint: receiver.url,
      protocol: "http/json",
      scheduleDelayMs: 100,
    });
    p = await startPipeline({
      natsUrl: inject("natsUrl"),
      clickhouseUrl: inject("clickhouseUrl"),
      env: {
        OTEL_SDK_DISABLED: "false",
        PLAYPULSE_JAEGER_UI_URL: `${JAEGER}/`,
        // For an edge on Bun or Deno (its own process, its own SDK): the same receiver.
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
        OTEL_BSP_SCHEDULE_DELAY: "100",
      },
    });
  });

  afterAll(async () => {
    await p?.stop();
    await telemetry?.shutdown();
    await receiver?.[Symbol.asyncDispose]();
  });

  /** A minute ago, not a fixed date: one past PLAYPULSE_MAX_EVENT_AGE_DAYS (365) is rejected. */
  const TS = new Date(Date.now() - 60_000).toISOString();
  const played = (id: string) => ({
    id,
    type: "user.video.played",
    timestamp: TS,
    user_id: "u1",
    view_id: `view-${id}`,
    video_id: "m1",
    position_ms: 0,
    startup_ms: 250,
  });
  const encoded = (id: string) => ({
    id,
    type: "video.encoding.completed",
    timestamp: TS,
    video_id: `m-${id}`,
    title: "Title",
    duration_ms: 60_000,
    genres: ["drama"],
  });

  async function spansOf(traceId: string, count: number): Promise<Span[]> {
    return waitFor(
      async () => {
        await telemetry.flush();
        const mine = receiver.spans.filter((s) => s.traceId === traceId);
        return mine.length >= count ? mine : undefined;
      },
      { timeoutMs: 30_000, what: `${count} spans of trace ${traceId}` },
    );
  }

  async function storedTraceIds(table: string, idColumn: string, ids: string[]): Promise<Record<string, string>> {
    const rows = await waitFor(
      async () => {
        const rs = await p.store.select<{ id: string; trace_id: string }>(
          sql`SELECT ${ident(idColumn)} AS id, trace_id FROM ${p.store.db}.${ident(table)} ORDER BY id`,
        );
        const found = rs.filter((r) => ids.includes(r.id));
        return found.length === ids.length ? found : undefined;
      },
      { timeoutMs: 30_000, what: `${ids.join(", ")} in ${table}` },
    );
    return Object.fromEntries(rows.map((r) => [r.id, r.trace_id]));
  }

  it("continues the client's traceparent through publish, each consumer and the insert, and stores its trace id", async () => {
    const traceId = hex(16);
    const clientSpan = hex(8);
    const e1 = `${p.ns}-played`;
    const e2 = `${p.ns}-encoded`;
    const r = await p.send([played(e1), encoded(e2)], { headers: { traceparent: `00-${traceId}-${clientSpan}-01` } });
    expect(r).toMatchObject({ status: 202, body: { accepted: 2, duplicates: 0, rejected: 0 } });

    // The header injected at publish is what the consumers stored.
    expect(await storedTraceIds("events", "id", [e1])).toEqual({ [e1]: traceId });
    expect(await storedTraceIds("rec_events", "id", [e1])).toEqual({ [e1]: traceId });
    expect(await storedTraceIds("catalog", "event_id", [e2])).toEqual({ [e2]: traceId });

    // 1 request + 2 publishes + 3 message spans (analytics e1, recommendations e1, content e2) + 3 inserts
    // + 2 reads of the erased users among the batch's (analytics and recommendations: docs/erasure.md).
    const spans = await spansOf(traceId, 11);
    expect(spans.map((s) => `${s.kind} ${s.name}`).sort()).toEqual(
      [
        `${SERVER} POST /v1/events`,
        `${PRODUCER} send ${p.ns}.user.video.played`,
        `${PRODUCER} send ${p.ns}.video.encoding.completed`,
        `${CONSUMER} process ${p.ns}.user.video.played`,
        `${CONSUMER} process ${p.ns}.user.video.played`,
        `${CONSUMER} process ${p.ns}.video.encoding.completed`,
        `${CLIENT} INSERT events`,
        `${CLIENT} INSERT rec_events`,
        `${CLIENT} INSERT catalog`,
        `${CLIENT} SELECT ${p.config.clickhouse.database}`,
        `${CLIENT} SELECT ${p.config.clickhouse.database}`,
      ].sort(),
    );

    const server = spans.find((s) => s.kind === SERVER);
    expect(server).toMatchObject({
      parentSpanId: clientSpan,
      attributes: {
        "http.request.method": "POST",
        "http.route": "/v1/events",
        "url.path": "/v1/events",
        "http.response.status_code": 202,
        "playpulse.ingest.accepted": 2,
        "playpulse.ingest.rejected": 0,
      },
    });

    const subjectOf = { [e1]: `${p.ns}.user.video.played`, [e2]: `${p.ns}.video.encoding.completed` };
    const producer = (id: string) =>
      spans.find((s) => s.kind === PRODUCER && s.attributes["messaging.message.id"] === writeKeyMsgId(id));
    for (const id of [e1, e2]) {
      expect(producer(id)).toMatchObject({
        parentSpanId: server?.spanId,
        attributes: {
          "messaging.system": "nats",
          "messaging.operation.type": "send",
          "messaging.destination.name": subjectOf[id],
          "messaging.message.id": writeKeyMsgId(id),
          "playpulse.publish.duplicate": false,
        },
      });
    }

    const consumerSpan = (group: string) =>
      spans.find((s) => s.kind === CONSUMER && s.attributes["messaging.consumer.group.name"] === group);
    const tableOf = { analytics: "events", recommendations: "rec_events", content: "catalog" };
    for (const [group, id] of [
      ["analytics", e1],
      ["recommendations", e1],
      ["content", e2],
    ] as const) {
      const msg = consumerSpan(group);
      expect(msg, group).toMatchObject({
        parentSpanId: producer(id)?.spanId,
        attributes: {
          "messaging.system": "nats",
          "messaging.operation.type": "process",
          "messaging.destination.name": subjectOf[id],
          "messaging.consumer.group.name": group,
          "messaging.message.id": writeKeyMsgId(id),
          "playpulse.nats.delivery_count": 1,
          "playpulse.outcome": "acked",
        },
      });
      const insert = spans.find((s) => s.kind === CLIENT && s.name === `INSERT ${tableOf[group]}`);
      expect(insert, group).toMatchObject({
        parentSpanId: msg?.spanId,
        links: [{ traceId, spanId: msg?.spanId }],
        attributes: {
          "db.system.name": "clickhouse",
          "db.namespace": `pp_${p.ns}`,
          "db.operation.name": "INSERT",
          "db.collection.name": tableOf[group],
          "playpulse.db.rows": 1,
          "messaging.system": "nats",
          "messaging.consumer.group.name": group,
          "messaging.batch.message_count": 1,
        },
      });
    }
  });

  it("starts a trace at the edge when the client sends none, and every consumer's rows keep it", async () => {
    const ids = [1, 2, 3].map((i) => `${p.ns}-fresh-${i}`);
    const r = await p.send(ids.map(played));
    expect(r.status).toBe(202);

    const stored = await storedTraceIds("events", "id", ids);
    const traceId = stored[ids[0] as string] as string;
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    // One request, one trace: every event of it shares the request's trace id.
    expect(stored).toEqual(Object.fromEntries(ids.map((id) => [id, traceId])));
    expect(await storedTraceIds("rec_events", "id", ids)).toEqual(stored);

    // 1 request + 3 publishes + 6 message spans + at least one insert per consumer.
    const spans = await waitFor(
      async () => {
        await telemetry.flush();
        const mine = receiver.spans.filter((s) => s.traceId === traceId);
        const consumed = mine.filter((s) => s.kind === CONSUMER).map((s) => s.spanId);
        const linked = mine.filter((s) => s.kind === CLIENT).flatMap((s) => s.links.map((l) => l.spanId));
        return consumed.length === 6 && consumed.every((id) => linked.includes(id)) ? mine : undefined;
      },
      { timeoutMs: 30_000, what: "every message span linked from an insert span" },
    );
    const server = spans.find((s) => s.kind === SERVER);
    expect(server?.parentSpanId).toBeUndefined();
    expect(
      spans
        .filter((s) => s.kind === PRODUCER)
        .map((s) => [s.parentSpanId, s.attributes["messaging.message.id"]])
        .sort(),
    ).toEqual(ids.map((id) => [server?.spanId, writeKeyMsgId(id)]).sort());

    // However the consumers batched the three messages, each insert links to exactly the
    // message spans of its batch, is a child of one of them, and counts them.
    for (const group of ["analytics", "recommendations"]) {
      const messages = spans.filter(
        (s) => s.kind === CONSUMER && s.attributes["messaging.consumer.group.name"] === group,
      );
      const inserts = spans.filter((s) => s.kind === CLIENT && s.attributes["messaging.consumer.group.name"] === group);
      const linked = inserts.flatMap((s) => s.links.map((l) => l.spanId)).sort();
      expect(linked, group).toEqual(messages.map((m) => m.spanId).sort());
      for (const insert of inserts) {
        expect(insert.attributes["messaging.batch.message_count"]).toBe(insert.links.length);
        expect(insert.links.map((l) => l.spanId)).toContain(insert.parentSpanId);
      }
      expect(messages.map((m) => m.parentSpanId).sort(), group).toEqual(
        spans
          .filter((s) => s.kind === PRODUCER)
          .map((s) => s.spanId)
          .sort(),
      );
    }
  });

  it("GET /v1/events/:id shows where the event is and links its trace in Jaeger", async () => {
    const traceId = hex(16);
    const id = `${p.ns}-lookup`;
    const r = await p.send(played(id), { headers: { traceparent: `00-${traceId}-${hex(8)}-01` } });
    expect(r.status).toBe(202);
    const found = await waitFor(
      async () => {
        const res = await p.get(`/v1/events/${id}`);
        const body = res.body as { processed_by?: string[] };
        return res.status === 200 && body.processed_by?.length === 2 ? body : undefined;
      },
      { timeoutMs: 30_000, what: "the event stored by analytics and recommendations" },
    );
    const storedAt = expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/) as unknown;
    const seconds = expect.any(Number) as unknown;
    expect(found).toEqual({
      id,
      type: "user.video.played",
      accepted_at: storedAt,
      accepted_in_region: null,
      trace_id: traceId,
      trace_url: `${JAEGER}/trace/${traceId}`,
      processed_by: ["analytics", "recommendations"],
      waiting_for: [],
      consumers: [
        {
          consumer: "analytics",
          table: "events",
          expected: true,
          stored: true,
          stored_at: storedAt,
          seconds_to_store: seconds,
          rows: 1,
        },
        {
          consumer: "recommendations",
          table: "rec_events",
          expected: true,
          stored: true,
          stored_at: storedAt,
          seconds_to_store: seconds,
          rows: 1,
        },
        {
          consumer: "content",
          table: "catalog",
          expected: false,
          stored: false,
          stored_at: null,
          seconds_to_store: null,
          rows: 0,
        },
      ],
    });
  });

  it.each([
    ["an unknown id", "no-such-event", 404, "not_found"],
    ["a write key", "whatever", 403, "forbidden"],
  ])("GET /v1/events/:id with %s (id %s) answers %i %s", async (_what, id, status, code) => {
    const res = await p.get(`/v1/events/${id}`, code === "forbidden" ? p.writeKey : undefined);
    expect(res.status).toBe(status);
    expect(res.body).toMatchObject({ error: { code } });
    if (status === 404) expect((res.body as { error: { message: string } }).error.message).toContain("GET /v1/lag");
  });

  it("with OTEL_SDK_DISABLED=true sends no span, yet stores the client's trace id", async () => {
    await using off = await startPipeline({
      natsUrl: inject("natsUrl"),
      clickhouseUrl: inject("clickhouseUrl"),
      roles: ["ingest", "analytics"],
    });
    const traceId = hex(16);
    const id = `${off.ns}-off`;
    const r = await off.send(played(id), { headers: { traceparent: `00-${traceId}-${hex(8)}-01` } });
    expect(r.status).toBe(202);
    const rows = await waitFor(
      async () => {
        const rs = await off.store.select<{ trace_id: string }>(sql`SELECT trace_id FROM ${off.store.db}.events`);
        return rs.length > 0 ? rs : undefined;
      },
      { timeoutMs: 30_000, what: "the event row" },
    );
    expect(rows).toEqual([{ trace_id: traceId }]);
    // The request and publish spans end before the 202: had tracing been on, they would be here after a flush.
    await telemetry.flush();
    expect(receiver.spans.filter((s) => s.traceId === traceId)).toEqual([]);
    expect(receiver.requests).toBeGreaterThan(0);
  });
});
