import { SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { InMemorySpanExporter } from "@opentelemetry/sdk-trace-base";
import { Hono } from "hono";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { requireKey } from "../http/auth.ts";
import { createHttpApp } from "../http/app.ts";
import { ApiError } from "../http/errors.ts";
import { startTelemetry, type Telemetry } from "../instrumentation.ts";
import { httpTelemetry } from "./http.ts";

const exporter = new InMemorySpanExporter();
let telemetry: Telemetry;

function build(tracing: boolean) {
  const seen: [string, string, number][] = [];
  const routes = new Hono();
  const keys = { write: new Set(["wk"]), read: new Set(["rk"]) };
  routes.get("/v1/videos/:video_id/stats", requireKey(keys, "read"), (c) =>
    c.json({ id: c.req.param("video_id"), trace: trace.getActiveSpan()?.spanContext().traceId ?? null }),
  );
  routes.post("/v1/events", () => {
    throw new ApiError(413, "too_large", "too large");
  });
  routes.get("/v1/boom", () => {
    throw new Error("kaput");
  });
  const app = createHttpApp({
    routes: [routes],
    readiness: {},
    metrics: () => Promise.resolve(""),
    middleware: [
      httpTelemetry({
        tracer: tracing ? trace.getTracer("t") : undefined,
        observer: { onRequest: (m, r, s) => void seen.push([m, r, s]) },
      }),
    ],
  });
  return { app, seen };
}

describe("httpTelemetry", () => {
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

  it.each([
    ["GET", "/v1/videos/m1/stats", { authorization: "Bearer rk" }, "/v1/videos/:video_id/stats", 200],
    ["GET", "/v1/videos/m1/stats", {}, "/v1/videos/:video_id/stats", 401],
    ["POST", "/v1/events", {}, "/v1/events", 413],
    ["GET", "/v1/boom", {}, "/v1/boom", 500],
    ["GET", "/v1/nothing/here", {}, "unmatched", 404],
  ])("reports %s %s as route %s, status %i", async (method, path, headers, route, status) => {
    for (const tracing of [true, false]) {
      const { app, seen } = build(tracing);
      const res = await app.request(path, { method, headers });
      expect(res.status).toBe(status);
      expect(seen).toEqual([[method, route, status]]);
    }
  });

  it("leaves the probes and /metrics unobserved", async () => {
    const { app, seen } = build(true);
    for (const path of ["/healthz", "/readyz", "/metrics"]) expect((await app.request(path)).status).toBe(200);
    await telemetry.flush();
    expect(seen).toEqual([]);
    expect(exporter.getFinishedSpans()).toEqual([]);
  });

  it("continues the caller's traceparent in a SERVER span that is active in the handler", async () => {
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const { app } = build(true);
    const res = await app.request("/v1/videos/m1/stats", {
      headers: { authorization: "Bearer rk", traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
    });
    expect(await res.json()).toEqual({ id: "m1", trace: traceId });
    await telemetry.flush();
    const [span] = exporter.getFinishedSpans();
    expect(span?.name).toBe("GET /v1/videos/:video_id/stats");
    expect(span?.kind).toBe(SpanKind.SERVER);
    expect(span?.spanContext().traceId).toBe(traceId);
    expect(span?.parentSpanContext?.spanId).toBe("00f067aa0ba902b7");
    expect(span?.attributes).toEqual({
      "http.request.method": "GET",
      "url.path": "/v1/videos/m1/stats",
      "url.scheme": "http",
      "http.route": "/v1/videos/:video_id/stats",
      "http.response.status_code": 200,
    });
  });

  it("marks a 500 as an error with the exception, and a 4xx not", async () => {
    const { app } = build(true);
    await app.request("/v1/boom");
    await app.request("/v1/events", { method: "POST" });
    await telemetry.flush();
    const spans = exporter.getFinishedSpans();
    const boom = spans.find((s) => s.name === "GET /v1/boom");
    expect(boom?.status.code).toBe(SpanStatusCode.ERROR);
    expect(boom?.events.map((e) => e.name)).toEqual(["exception"]);
    expect(boom?.attributes["error.type"]).toBe("500");
    expect(spans.find((s) => s.name === "POST /v1/events")?.status.code).toBe(SpanStatusCode.UNSET);
  });
});
