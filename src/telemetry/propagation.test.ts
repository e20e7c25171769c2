import { context, propagation, trace, type SpanContext } from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  clientTraceHeaders,
  extractFromHeaders,
  extractFromRequest,
  injectIntoHeaders,
  type HeaderCarrier,
} from "./propagation.ts";

class NatsHeaders implements HeaderCarrier {
  readonly map = new Map<string, string>();
  get = (k: string) => this.map.get(k) ?? "";
  set = (k: string, v: string) => void this.map.set(k, v);
  keys = () => [...this.map.keys()];
}

const sc: SpanContext = { traceId: "4bf92f3577b34da6a3ce929d0e0e4736", spanId: "00f067aa0ba902b7", traceFlags: 1 };

describe("trace context in NATS headers", () => {
  beforeAll(() => propagation.setGlobalPropagator(new W3CTraceContextPropagator()));
  afterAll(() => propagation.disable());

  it("injects a traceparent and extracts the same context back, as remote", () => {
    const h = new NatsHeaders();
    injectIntoHeaders(trace.setSpanContext(context.active(), sc), h);
    expect([...h.map]).toEqual([["traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"]]);
    expect(trace.getSpanContext(extractFromHeaders(h))).toEqual({ ...sc, isRemote: true });
  });

  it.each([
    ["no headers at all", undefined],
    ["no traceparent", new NatsHeaders()],
  ])("extracts the root context from %s", (_what, h) => {
    expect(trace.getSpanContext(extractFromHeaders(h))).toBeUndefined();
  });

  it("extracts an HTTP request's traceparent and tracestate", () => {
    const ctx = extractFromRequest(
      new Headers({ traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00", tracestate: "vendor=1" }),
    );
    const got = trace.getSpanContext(ctx);
    expect([got?.traceId, got?.spanId, got?.traceFlags, got?.traceState?.serialize()]).toEqual([
      sc.traceId,
      sc.spanId,
      0,
      "vendor=1",
    ]);
  });
});

describe("clientTraceHeaders (tracing off)", () => {
  const tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  it.each([
    ["a valid traceparent", { traceparent: tp }, { traceparent: tp }],
    ["upper case, padded", { traceparent: ` ${tp.toUpperCase()} ` }, { traceparent: tp }],
    ["with tracestate", { traceparent: tp, tracestate: "a=1" }, { traceparent: tp, tracestate: "a=1" }],
    ["none", {}, undefined],
    ["an all-zero trace id", { traceparent: `00-${"0".repeat(32)}-00f067aa0ba902b7-01` }, undefined],
    ["an all-zero span id", { traceparent: `00-4bf92f3577b34da6a3ce929d0e0e4736-${"0".repeat(16)}-01` }, undefined],
    ["garbage", { traceparent: "00-xyz" }, undefined],
  ])("passes on %s", (_what, headers, expected) => {
    expect(clientTraceHeaders(new Request("http://x/v1/events", { headers }))).toEqual(expected);
  });
});
