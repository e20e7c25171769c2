import { trace } from "@opentelemetry/api";
import { InMemorySpanExporter } from "@opentelemetry/sdk-trace-base";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTelemetry, type Telemetry } from "../instrumentation.ts";
import { createLogger } from "./logger.ts";

function capture(level = "info") {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger(
    level,
    { role: "test" },
    { destination: { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) } },
  );
  return { logger, lines };
}

describe("createLogger", () => {
  let telemetry: Telemetry;
  beforeAll(() => {
    telemetry = startTelemetry({
      disabled: false,
      serviceName: "t",
      tracesEndpoint: "http://127.0.0.1:9/v1/traces",
      exporter: new InMemorySpanExporter(),
    });
  });
  afterAll(() => telemetry.shutdown());

  it.each([
    ["the auth header", { headers: { authorization: "Bearer wk_1" } }, { headers: { authorization: "[redacted]" } }],
    [
      "a request's auth header and cookie",
      { req: { headers: { authorization: "Bearer wk_1", cookie: "s=1" } } },
      { req: { headers: { authorization: "[redacted]", cookie: "[redacted]" } } },
    ],
    [
      "forwarded client IPs",
      { headers: { "x-forwarded-for": "203.0.113.7", "x-real-ip": "203.0.113.8" } },
      { headers: { "x-forwarded-for": "[redacted]", "x-real-ip": "[redacted]" } },
    ],
    ["a key", { key: "wk_1" }, { key: "[redacted]" }],
    [
      "nested keys",
      { config: { keys: ["wk_1"] }, client: { key: "rk_1" } },
      { config: { keys: "[redacted]" }, client: { key: "[redacted]" } },
    ],
    [
      "IP fields",
      { ip: "203.0.113.7", req: { ip: "203.0.113.7", remoteAddress: "203.0.113.7" }, client_ip: "203.0.113.7" },
      { ip: "[redacted]", req: { ip: "[redacted]", remoteAddress: "[redacted]" }, client_ip: "[redacted]" },
    ],
    [
      "passwords and tokens",
      { password: "p", token: "t", db: { password: "p" } },
      { password: "[redacted]", token: "[redacted]", db: { password: "[redacted]" } },
    ],
    [
      "a ClickHouse URL with credentials",
      { clickhouse: { url: "http://u:p@ch:8123" } },
      { clickhouse: { url: "[redacted]" } },
    ],
  ])("redacts %s", (_what, fields, expected) => {
    const { logger, lines } = capture();
    logger.info(fields, "line");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject(expected);
    expect(JSON.stringify(lines[0])).not.toMatch(/wk_1|rk_1|203\.0\.113|u:p@|"p"|"t"/);
  });

  it("writes the active span's trace and span id, and none outside a span", () => {
    const { logger, lines } = capture();
    const tracer = trace.getTracer("t");
    logger.info("before");
    const ids = tracer.startActiveSpan("work", (span) => {
      logger.child({ consumer: "analytics" }).warn("inside");
      span.end();
      return span.spanContext();
    });
    logger.info("after");
    expect(lines.map((l) => [l.msg, l.trace_id, l.span_id, l.trace_flags])).toEqual([
      ["before", undefined, undefined, undefined],
      ["inside", ids.traceId, ids.spanId, "01"],
      ["after", undefined, undefined, undefined],
    ]);
    expect(lines[1]).toMatchObject({ service: "playpulse", role: "test", consumer: "analytics", level: 40 });
  });

  it.each([
    ["debug", ["debug", "info", "warn"]],
    ["info", ["info", "warn"]],
    ["warn", ["warn"]],
    ["silent", []],
  ])("at level %s writes %j", (level, written) => {
    const { logger, lines } = capture(level);
    logger.debug("debug");
    logger.info("info");
    logger.warn("warn");
    expect(lines.map((l) => l.msg)).toEqual(written);
  });
});
