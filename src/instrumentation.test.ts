import { trace } from "@opentelemetry/api";
import { InMemorySpanExporter } from "@opentelemetry/sdk-trace-base";
import { describe, expect, it } from "vitest";
import { samplerFor, startTelemetry } from "./instrumentation.ts";

describe("samplerFor", () => {
  it.each([
    ["always_on", undefined, "AlwaysOnSampler"],
    ["always_off", undefined, "AlwaysOffSampler"],
    ["traceidratio", "0.25", "TraceIdRatioBased{0.25}"],
    ["traceidratio", undefined, "TraceIdRatioBased{1}"],
    [
      "parentbased_always_on",
      undefined,
      "ParentBased{root=AlwaysOnSampler, remoteParentSampled=AlwaysOnSampler, remoteParentNotSampled=AlwaysOffSampler, localParentSampled=AlwaysOnSampler, localParentNotSampled=AlwaysOffSampler}",
    ],
    [
      "parentbased_always_off",
      undefined,
      "ParentBased{root=AlwaysOffSampler, remoteParentSampled=AlwaysOnSampler, remoteParentNotSampled=AlwaysOffSampler, localParentSampled=AlwaysOnSampler, localParentNotSampled=AlwaysOffSampler}",
    ],
    [
      "parentbased_traceidratio",
      "0.1",
      "ParentBased{root=TraceIdRatioBased{0.1}, remoteParentSampled=AlwaysOnSampler, remoteParentNotSampled=AlwaysOffSampler, localParentSampled=AlwaysOnSampler, localParentNotSampled=AlwaysOffSampler}",
    ],
  ])("%s (arg %s) is %s", (name, arg, expected) => {
    expect(samplerFor(name, arg).toString()).toBe(expected);
  });
});

describe("startTelemetry", () => {
  it("registers nothing when disabled: spans stay no-ops", async () => {
    const t = startTelemetry({
      disabled: true,
      serviceName: "t",
      tracesEndpoint: "http://127.0.0.1:9/v1/traces",
      sampler: "always_on",
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
      sampler: "always_on",
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
});
