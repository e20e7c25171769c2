import { randomBytes } from "node:crypto";
import { jetstream } from "@nats-io/jetstream";
import { connect, headers as natsHeaders } from "@nats-io/transport-node";
import { SpanKind } from "@opentelemetry/api";
import { InMemorySpanExporter } from "@opentelemetry/sdk-trace-base";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { loadConfig } from "../../src/config.ts";
import { ROLES } from "../../src/roles/index.ts";
import { CONSUMER_NAMES } from "../../src/consumers/registry.ts";
import { startTelemetry, type Telemetry } from "../../src/instrumentation.ts";
import { startRoles, type Running } from "../../src/main.ts";
import { createLogger } from "../../src/telemetry/logger.ts";
import { namespaceEnv, uniqueNamespace, waitFor } from "../helpers/index.ts";

/**
 * Log lines of the real pipeline, captured through the logger's destination: inside a span
 * they carry its trace and span id; no line ever holds a key.
 */

type Line = Record<string, unknown> & { msg?: string; trace_id?: string; span_id?: string };

const hex = (bytes: number) => randomBytes(bytes).toString("hex");

describe("logs", () => {
  const lines: Line[] = [];
  const raw: string[] = [];
  const exporter = new InMemorySpanExporter();
  const ns = uniqueNamespace("log");
  const writeKey = `wk_${ns}_secret`;
  const readKey = `rk_${ns}_secret`;
  let telemetry: Telemetry;
  let running: Running;
  let baseUrl: string;

  beforeAll(async () => {
    telemetry = startTelemetry({
      disabled: false,
      serviceName: "logs-test",
      tracesEndpoint: "http://127.0.0.1:9/unused",
      exporter,
      scheduleDelayMs: 50,
    });
    const config = loadConfig(
      namespaceEnv(
        ns,
        { natsUrl: inject("natsUrl"), clickhouseUrl: inject("clickhouseUrl") },
        {
          PLAYPULSE_HTTP_PORT: "0",
          PLAYPULSE_WRITE_KEYS: writeKey,
          PLAYPULSE_READ_KEYS: readKey,
          PLAYPULSE_LOG_LEVEL: "debug",
          PLAYPULSE_FLUSH_INTERVAL_MS: "200",
          PLAYPULSE_STREAM_MAX_BYTES: String(64 * 1024 * 1024),
        },
      ),
      ROLES,
    );
    const destination = {
      write(s: string) {
        raw.push(s);
        lines.push(JSON.parse(s) as Line);
      },
    };
    const logger = createLogger(config.logLevel, { test: ns }, { destination });
    running = await startRoles(config, ROLES, logger);
    baseUrl = `http://127.0.0.1:${running.port}`;
  });

  afterAll(async () => {
    await running?.stop();
    await telemetry?.shutdown();
  });

  it("writes the request's trace and span id on the lines written inside the request span", async () => {
    const traceId = hex(16);
    const res = await fetch(`${baseUrl}/v1/events`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${writeKey}`,
        "content-type": "application/json",
        traceparent: `00-${traceId}-${hex(8)}-01`,
        "x-forwarded-for": "203.0.113.7",
      },
      body: JSON.stringify({
        id: `${ns}-1`,
        type: "user.video.paused",
        // A minute ago, not a fixed date: one past PLAYPULSE_MAX_EVENT_AGE_DAYS (365) is rejected.
        timestamp: new Date(Date.now() - 60_000).toISOString(),
        user_id: "u",
        view_id: "v",
        video_id: "m",
        position_ms: 1,
      }),
    });
    expect(res.status).toBe(202);
    const line = await waitFor(
      () => Promise.resolve(lines.find((l) => l.msg === "request" && l.trace_id === traceId)),
      { timeoutMs: 10_000, what: "the request's log line" },
    );
    await telemetry.flush();
    const server = exporter
      .getFinishedSpans()
      .find((s) => s.spanContext().traceId === traceId && s.kind === SpanKind.SERVER);
    expect(line).toMatchObject({
      level: 20,
      method: "POST",
      route: "/v1/events",
      status: 202,
      trace_id: traceId,
      span_id: server?.spanContext().spanId,
      trace_flags: "01",
    });
  });

  it("writes the message's trace id on a consumer's dead-letter line", async () => {
    const traceId = hex(16);
    const h = natsHeaders();
    h.set("traceparent", `00-${traceId}-${hex(8)}-01`);
    const nc = await connect({ servers: inject("natsUrl") });
    try {
      await jetstream(nc).publish(`${ns}.video.encoding.completed`, "{ not json", { msgID: `${ns}-bad`, headers: h });
    } finally {
      await nc.close();
    }
    const line = await waitFor(
      () => Promise.resolve(lines.find((l) => l.msg === "message dead-lettered" && l.trace_id === traceId)),
      {
        timeoutMs: 15_000,
        what: "the dead-letter log line",
      },
    );
    await telemetry.flush();
    const consumerSpan = exporter
      .getFinishedSpans()
      .find((s) => s.spanContext().traceId === traceId && s.kind === SpanKind.CONSUMER);
    expect(line).toMatchObject({
      level: 40,
      consumer: "content",
      subject: `${ns}.video.encoding.completed`,
      trace_id: traceId,
      span_id: consumerSpan?.spanContext().spanId,
    });
  });

  it("names the consumer once on a consumer's line (one `consumer` key, from the loop's child logger)", () => {
    const deadLettered = raw.filter((text) => text.includes('"msg":"message dead-lettered"'));
    expect(deadLettered.length).toBeGreaterThan(0);
    for (const text of deadLettered) expect(text.match(/"consumer":/g)).toEqual(['"consumer":']);
    for (const text of deadLettered) expect(CONSUMER_NAMES).toContain((JSON.parse(text) as Line).consumer);
  });

  it("writes no trace id outside a span, and no key or client IP anywhere", () => {
    const started = lines.find((l) => l.msg === "playpulse started");
    expect(started).toBeDefined();
    expect(started).not.toHaveProperty("trace_id");
    expect(lines.length).toBeGreaterThan(3);
    for (const text of raw) {
      expect(text).not.toContain(writeKey);
      expect(text).not.toContain(readKey);
      expect(text).not.toContain("203.0.113.7");
    }
  });
});
