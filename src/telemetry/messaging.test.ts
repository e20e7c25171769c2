import { SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { InMemorySpanExporter, type ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startTelemetry, type Telemetry } from "../instrumentation.ts";
import { PACK_TRACES_HEADER } from "../events/index.ts";
import { instrumentInsert } from "./db.ts";
import { endPublishSpan, startPublishSpan, traceBatch, type ConsumedMessage } from "./messaging.ts";
import type { HeaderCarrier } from "./propagation.ts";

/** NATS-like headers: "" for a missing key, like MsgHdrs. */
class Headers implements HeaderCarrier {
  readonly map = new Map<string, string>();
  get(key: string): string {
    return this.map.get(key) ?? "";
  }
  set(key: string, value: string): void {
    this.map.set(key, value);
  }
  keys(): string[] {
    return [...this.map.keys()];
  }
}

const exporter = new InMemorySpanExporter();
const tracer = () => trace.getTracer("test");
const target = { database: "pp", address: "127.0.0.1", port: 8123 };

function message(seq: number, traceparent?: string): ConsumedMessage {
  const headers = new Headers();
  headers.set("Nats-Msg-Id", `e${seq}`);
  if (traceparent) headers.set("traceparent", traceparent);
  return { subject: "user.video.played", seq, data: new Uint8Array(10), headers, info: { deliveryCount: 1 } };
}

let telemetry: Telemetry;
/** Ended spans of that name, once the batch processor has exported them. */
async function byName(name: string): Promise<ReadableSpan[]> {
  await telemetry.flush();
  return exporter.getFinishedSpans().filter((s) => s.name === name);
}
const id = (s: ReadableSpan | undefined) => s?.spanContext().spanId;

describe("messaging spans", () => {
  beforeAll(() => {
    telemetry = startTelemetry({
      disabled: false,
      serviceName: "t",
      tracesEndpoint: "http://127.0.0.1:9/v1/traces",
      exporter,
    });
  });
  afterAll(() => telemetry.shutdown());
  beforeEach(async () => {
    await telemetry.flush();
    exporter.reset();
  });

  it("writes the PRODUCER span's context into the message headers and ends it with the PubAck", async () => {
    const headers = new Headers();
    const publish = startPublishSpan(tracer(), "user.video.played", "e1", 42, headers);
    expect(endPublishSpan(publish, { status: "stored", seq: 7, duplicate: false })).toEqual({
      status: "stored",
      seq: 7,
      duplicate: false,
    });
    const sc = publish.spanContext();
    expect(headers.get("traceparent")).toBe(`00-${sc.traceId}-${sc.spanId}-01`);
    const [p] = await byName("send user.video.played");
    expect(p?.kind).toBe(SpanKind.PRODUCER);
    expect(p?.parentSpanContext).toBeUndefined();
    expect(p?.attributes).toEqual({
      "messaging.system": "nats",
      "messaging.operation.type": "send",
      "messaging.operation.name": "publish",
      "messaging.destination.name": "user.video.played",
      "messaging.message.id": "e1",
      "messaging.message.body.size": 42,
      "playpulse.nats.stream_seq": 7,
      "playpulse.publish.duplicate": false,
    });
  });

  it("parents a publish on the request span that is active", async () => {
    const headers = new Headers();
    const publish = tracer().startActiveSpan("POST /v1/events", (request) => {
      const p = startPublishSpan(tracer(), "video.encoding.completed", "e2", 1, headers);
      request.end();
      return p;
    });
    endPublishSpan(publish, { status: "failed", reason: "timeout", message: "no JetStream answer within 5000 ms" });
    const [request] = await byName("POST /v1/events");
    const [p] = await byName("send video.encoding.completed");
    expect(p?.parentSpanContext?.spanId).toBe(id(request));
    expect(p?.spanContext().traceId).toBe(request?.spanContext().traceId);
    expect(p?.status).toEqual({ code: SpanStatusCode.ERROR, message: "no JetStream answer within 5000 ms" });
    expect(p?.attributes["error.type"]).toBe("timeout");
  });

  it("makes each message a CONSUMER child of its publish, and the insert a child of the first with links to all", async () => {
    const traceA = "a".repeat(32);
    const traceB = "b".repeat(32);
    const m1 = message(1, `00-${traceA}-${"1".repeat(16)}-01`);
    const m2 = message(2, `00-${traceB}-${"2".repeat(16)}-01`);
    const m3 = message(3);
    const bt = traceBatch(tracer(), "analytics");
    for (const m of [m1, m2, m3]) bt.start(m);
    const inserted: [string, number, boolean][] = [];
    await bt.write([m1, m2], () =>
      instrumentInsert(
        { tracer: tracer(), observer: { onInsert: (t, rows, _s, ok) => void inserted.push([t, rows, ok]) } },
        target,
        "events",
        2,
        () => Promise.resolve(),
      ),
    );
    bt.settle(m1, "acked");
    bt.settle(m2, "acked");
    bt.settle(m3, "dead_lettered", "body is not a JSON object");

    const msgs = await byName("process user.video.played");
    const [s1, s2, s3] = [1, 2, 3].map((seq) => msgs.find((s) => s.attributes["playpulse.nats.stream_seq"] === seq));
    expect(
      [s1, s2].map((s) => [
        s?.kind,
        s?.spanContext().traceId,
        s?.parentSpanContext?.spanId,
        s?.parentSpanContext?.isRemote,
      ]),
    ).toEqual([
      [SpanKind.CONSUMER, traceA, "1".repeat(16), true],
      [SpanKind.CONSUMER, traceB, "2".repeat(16), true],
    ]);
    expect(s3?.parentSpanContext).toBeUndefined();
    expect(s1?.attributes).toEqual({
      "messaging.system": "nats",
      "messaging.operation.type": "process",
      "messaging.operation.name": "process",
      "messaging.destination.name": "user.video.played",
      "messaging.consumer.group.name": "analytics",
      "messaging.destination.subscription.name": "analytics",
      "messaging.message.id": "e1",
      "messaging.message.body.size": 10,
      "playpulse.nats.stream_seq": 1,
      "playpulse.nats.delivery_count": 1,
      "playpulse.outcome": "acked",
    });
    expect(s3?.status).toEqual({ code: SpanStatusCode.ERROR, message: "body is not a JSON object" });
    expect(s3?.attributes["playpulse.outcome"]).toBe("dead_lettered");

    const [insert] = await byName("INSERT events");
    expect(insert?.kind).toBe(SpanKind.CLIENT);
    expect(insert?.spanContext().traceId).toBe(traceA);
    expect(insert?.parentSpanContext?.spanId).toBe(id(s1));
    expect(insert?.links.map((l) => l.context.spanId)).toEqual([id(s1), id(s2)]);
    expect(insert?.attributes).toEqual({
      "db.system.name": "clickhouse",
      "db.namespace": "pp",
      "db.operation.name": "INSERT",
      "db.collection.name": "events",
      "server.address": "127.0.0.1",
      "server.port": 8123,
      "playpulse.db.rows": 2,
      "messaging.system": "nats",
      "messaging.consumer.group.name": "analytics",
      "messaging.batch.message_count": 2,
    });
    expect(inserted).toEqual([["events", 2, true]]);
  });

  it("links a pack merged across requests to each line's request but its parent's, once each", async () => {
    const tp = (t: string, s: string) => `00-${t.repeat(32)}-${s.repeat(16)}-01`;
    const m = message(4, tp("a", "1"));
    m.headers?.set(PACK_TRACES_HEADER, [tp("a", "1"), "-", tp("b", "2"), tp("b", "2"), "junk", tp("c", "3")].join(","));
    const bt = traceBatch(tracer(), "analytics");
    bt.start(m);
    bt.settle(m, "acked");
    const [span] = await byName("process user.video.played");
    expect(span?.parentSpanContext?.spanId).toBe("1".repeat(16));
    expect(span?.links.map((l) => [l.context.traceId, l.context.spanId, l.context.isRemote])).toEqual([
      ["b".repeat(32), "2".repeat(16), true],
      ["c".repeat(32), "3".repeat(16), true],
    ]);
  });

  it("parents the insert on the first sampled message and links only sampled ones", async () => {
    const unsampled = message(1, `00-${"c".repeat(32)}-${"3".repeat(16)}-00`);
    const sampled = message(2, `00-${"d".repeat(32)}-${"4".repeat(16)}-01`);
    const bt = traceBatch(tracer(), "recommendations");
    bt.start(unsampled);
    bt.start(sampled);
    await bt.write([unsampled, sampled], () =>
      instrumentInsert({ tracer: tracer() }, target, "rec_events", 2, () => Promise.resolve()),
    );
    bt.settle(unsampled, "acked");
    bt.settle(sampled, "acked");
    const msgs = await byName("process user.video.played");
    expect(msgs.map((s) => s.spanContext().traceId)).toEqual(["d".repeat(32)]);
    const [insert] = await byName("INSERT rec_events");
    expect(insert?.parentSpanContext?.spanId).toBe(id(msgs[0]));
    expect(insert?.links.map((l) => l.context.spanId)).toEqual([id(msgs[0])]);
    expect(insert?.attributes["messaging.batch.message_count"]).toBe(2);
  });

  it("marks a failed insert, counts it as failed and rethrows", async () => {
    const failures: boolean[] = [];
    const err = new Error("Code: 241. Memory limit exceeded");
    await expect(
      instrumentInsert(
        { tracer: tracer(), observer: { onInsert: (_t, _r, _s, ok) => void failures.push(ok) } },
        target,
        "catalog",
        3,
        () => Promise.reject(err),
      ),
    ).rejects.toBe(err);
    const [insert] = await byName("INSERT catalog");
    expect(insert?.status).toEqual({ code: SpanStatusCode.ERROR, message: err.message });
    expect(insert?.attributes["error.type"]).toBe("Error");
    expect(insert?.events.map((e) => e.name)).toEqual(["exception"]);
    expect(failures).toEqual([false]);
  });

  it("runs a log line inside the message's span", () => {
    const m = message(9, `00-${"e".repeat(32)}-${"5".repeat(16)}-01`);
    const bt = traceBatch(tracer(), "content");
    bt.start(m);
    const active = bt.within(m, () => trace.getActiveSpan()?.spanContext().traceId);
    bt.settle(m, "acked");
    expect(active).toBe("e".repeat(32));
    expect(bt.within(message(10), () => trace.getActiveSpan())).toBeUndefined();
  });
});
