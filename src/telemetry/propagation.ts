import {
  propagation,
  ROOT_CONTEXT,
  type Context,
  type SpanContext,
  type TextMapGetter,
  type TextMapSetter,
} from "@opentelemetry/api";

/**
 * The part of NATS message headers (`MsgHdrs`) that trace propagation needs. nats.js has no
 * OpenTelemetry instrumentation, so W3C trace context is carried in headers by these helpers.
 */
export interface HeaderCarrier {
  get(key: string): string;
  set(key: string, value: string): void;
  keys(): string[];
}

const natsGetter: TextMapGetter<HeaderCarrier> = {
  keys: (carrier) => carrier.keys(),
  // MsgHdrs answers "" for a missing header.
  get: (carrier, key) => carrier.get(key) || undefined,
};

const natsSetter: TextMapSetter<HeaderCarrier> = {
  set: (carrier, key, value) => carrier.set(key, value),
};

const fetchGetter: TextMapGetter<Headers> = {
  keys: (carrier) => [...carrier.keys()],
  get: (carrier, key) => carrier.get(key) ?? undefined,
};

/** Writes the context (`traceparent`, `tracestate`, baggage) into NATS message headers. */
export function injectIntoHeaders(ctx: Context, headers: HeaderCarrier): void {
  propagation.inject(ctx, headers, natsSetter);
}

/** The context a message was published in, or the root context when it carries none. */
export function extractFromHeaders(headers: HeaderCarrier | undefined): Context {
  return headers ? propagation.extract(ROOT_CONTEXT, headers, natsGetter) : ROOT_CONTEXT;
}

/** The caller's context from an HTTP request's `traceparent`/`tracestate`, or the root context. */
export function extractFromRequest(headers: Headers): Context {
  return propagation.extract(ROOT_CONTEXT, headers, fetchGetter);
}

const TRACEPARENT = /^00-((?!0{32})[0-9a-f]{32})-((?!0{16})[0-9a-f]{16})-([0-9a-f]{2})$/;

/** The remote span context a W3C `traceparent` (version 00, lower case) names; undefined when it is not one. */
export function parseTraceparent(traceparent: string): SpanContext | undefined {
  const m = TRACEPARENT.exec(traceparent);
  if (!m?.[1] || !m[2] || !m[3]) return undefined;
  return { traceId: m[1], spanId: m[2], traceFlags: parseInt(m[3], 16), isRemote: true };
}

/**
 * With tracing off, a client's valid `traceparent` (and `tracestate`) is still passed on to
 * the messages of its request, so stored rows keep the client's trace id. `undefined` when
 * the request has none: no header is added.
 */
export function clientTraceHeaders(req: Request): Record<string, string> | undefined {
  const traceparent = req.headers.get("traceparent")?.trim().toLowerCase();
  if (traceparent === undefined || !parseTraceparent(traceparent)) return undefined;
  const tracestate = req.headers.get("tracestate");
  return tracestate ? { traceparent, tracestate } : { traceparent };
}
