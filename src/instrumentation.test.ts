import { context, propagation, trace } from "@opentelemetry/api";
import { InMemorySpanExporter } from "@opentelemetry/sdk-trace-base";
import { afterEach, describe, expect, it, vi } from "vitest";
import { OTLPTraceExporter as Grpc } from "@opentelemetry/exporter-trace-otlp-grpc";
import { OTLPTraceExporter as Http } from "@opentelemetry/exporter-trace-otlp-http";
import { OTLPTraceExporter as Proto } from "@opentelemetry/exporter-trace-otlp-proto";
import { exporterFor, startTelemetry } from "./instrumentation.ts";

const EXPORTERS = { grpc: Grpc, http: Http, proto: Proto };

describe("exporterFor", () => {
  it.each([
    ["otlp", "http/protobuf", "OTLPTraceExporter", "proto"],
    ["otlp", "http/json", "OTLPTraceExporter", "http"],
    ["otlp", "grpc", "OTLPTraceExporter", "grpc"],
    ["console", "http/protobuf", "ConsoleSpanExporter", undefined],
  ] as const)("%s over %s is %s", (name, protocol, className, module) => {
    const exporter = exporterFor(name, protocol);
    expect(exporter?.constructor.name).toBe(className);
    if (module) expect(exporter?.constructor).toBe(EXPORTERS[module]);
  });

  it("is undefined for none", () => {
    expect(exporterFor("none", "http/protobuf")).toBeUndefined();
  });
});

describe("startTelemetry", () => {
  it("registers nothing when disabled: spans stay no-ops", async () => {
    const t = startTelemetry({
      disabled: true,
      serviceName: "t",
      tracesEndpoint: "http://127.0.0.1:9/v1/traces",
    });
    expect(t.enabled).toBe(false);
    const span = trace.getTracer("t").startSpan("x");
    expect(span.isRecording()).toBe(false);
    span.end();
    await t.shutdown();
  });

  it("exports ended spans with the service name, and unregisters on shutdown", async () => {
    const exporter = new InMemorySpanExporter();
    const t = startTelemetry({
      disabled: false,
      serviceName: "playpulse-test",
      tracesEndpoint: "http://127.0.0.1:9/v1/traces",
      exporter,
      attributes: { "playpulse.roles": "ingest" },
    });
    trace.getTracer("t").startSpan("work").end();
    await t.flush();
    const [span] = exporter.getFinishedSpans();
    expect([
      span?.name,
      span?.resource.attributes["service.name"],
      span?.resource.attributes["playpulse.roles"],
    ]).toEqual(["work", "playpulse-test", "ingest"]);
    await t.shutdown();
    expect(trace.getTracer("t").startSpan("after").isRecording()).toBe(false);
  });

  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it("reads the standard variables: resource attributes, sampler and propagators", async () => {
    vi.stubEnv("OTEL_RESOURCE_ATTRIBUTES", "deployment.environment.name=staging,team=video");
    vi.stubEnv("OTEL_TRACES_SAMPLER", "always_off");
    vi.stubEnv("OTEL_PROPAGATORS", "b3");
    const exporter = new InMemorySpanExporter();
    const t = startTelemetry({ disabled: false, serviceName: "pp", exporter });
    const span = trace.getTracer("t").startSpan("sampled-out");
    expect(span.isRecording()).toBe(false);
    const carrier: Record<string, string> = {};
    propagation.inject(trace.setSpan(context.active(), span), carrier);
    expect(Object.keys(carrier)).toEqual(["b3"]);
    span.end();
    await t.shutdown();

    vi.stubEnv("OTEL_TRACES_SAMPLER", "always_on");
    // A shut-down exporter drops what it is given: the second start gets its own.
    const exporter2 = new InMemorySpanExporter();
    const t2 = startTelemetry({ disabled: false, serviceName: "pp", exporter: exporter2 });
    trace.getTracer("t").startSpan("kept").end();
    await t2.flush();
    expect(exporter2.getFinishedSpans().map((s) => s.name)).toEqual(["kept"]);
    const attributes = exporter2.getFinishedSpans()[0]?.resource.attributes ?? {};
    expect({
      env: attributes["deployment.environment.name"],
      team: attributes.team,
      service: attributes["service.name"],
      sdk: attributes["telemetry.sdk.name"],
    }).toEqual({ env: "staging", team: "video", service: "pp", sdk: "opentelemetry" });
    await t2.shutdown();
  });

  it("registers the W3C trace context propagator by default", async () => {
    const t = startTelemetry({ disabled: false, serviceName: "pp", exporter: new InMemorySpanExporter() });
    const span = trace.getTracer("t").startSpan("root");
    const carrier: Record<string, string> = {};
    propagation.inject(trace.setSpan(context.active(), span), carrier);
    const { traceId, spanId } = span.spanContext();
    expect(carrier).toEqual({ traceparent: `00-${traceId}-${spanId}-01` });
    span.end();
    await t.shutdown();
  });

  it("with OTEL_TRACES_EXPORTER=none records nothing but still propagates a caller's context", async () => {
    const t = startTelemetry({ disabled: false, serviceName: "pp", exporterName: "none" });
    const parent = propagation.extract(context.active(), {
      traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
    });
    const carrier: Record<string, string> = {};
    propagation.inject(parent, carrier);
    expect(carrier).toEqual({ traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01" });
    expect(trace.getTracer("t").startSpan("x").isRecording()).toBe(false);
    await t.shutdown();
  });
});
