import { ATTR_ERROR_TYPE } from "@opentelemetry/semantic-conventions";
import {
  ATTR_MESSAGING_CONSUMER_GROUP_NAME,
  ATTR_MESSAGING_DESTINATION_NAME,
  ATTR_MESSAGING_DESTINATION_SUBSCRIPTION_NAME,
  ATTR_MESSAGING_MESSAGE_BODY_SIZE,
  ATTR_MESSAGING_MESSAGE_ID,
  ATTR_MESSAGING_OPERATION_NAME,
  ATTR_MESSAGING_OPERATION_TYPE,
  ATTR_MESSAGING_SYSTEM,
} from "./semconv.ts";
import {
  context,
  createContextKey,
  SpanKind,
  SpanStatusCode,
  trace,
  TraceFlags,
  type Context,
  type Link,
  type Span,
  type Tracer,
} from "@opentelemetry/api";
import { PACK_TRACES_HEADER } from "../events/pack.ts";
import { extractFromHeaders, injectIntoHeaders, parseTraceparent, type HeaderCarrier } from "./propagation.ts";

/**
 * Spans of the messaging path, after the OpenTelemetry messaging semantic conventions:
 * a PRODUCER span per published event, a CONSUMER span per message processed by each
 * consumer (child of the publish context carried in the headers), and a batch context that
 * lets the ClickHouse insert span link to every message it stores (docs/observability.md).
 */
export const MESSAGING_SYSTEM = "nats";

export type MessageResult = "acked" | "retried" | "dead_lettered";

/** What a publish answered; structurally the bus's `PublishOutcome`. */
export interface PublishResult {
  status: "stored" | "failed";
  seq?: number;
  duplicate?: boolean;
  reason?: string;
  message?: string;
}

/**
 * Starts the PRODUCER span of one message, as a child of the active context (the HTTP
 * request), and writes its context into the message headers: the `traceparent` consumers
 * read, and store as the row's `trace_id`.
 */
export function startPublishSpan(
  tracer: Tracer,
  subject: string,
  msgId: string,
  bytes: number,
  headers: HeaderCarrier,
): Span {
  const parent = context.active();
  const span = tracer.startSpan(
    `send ${subject}`,
    {
      kind: SpanKind.PRODUCER,
      attributes: {
        [ATTR_MESSAGING_SYSTEM]: MESSAGING_SYSTEM,
        [ATTR_MESSAGING_OPERATION_TYPE]: "send",
        [ATTR_MESSAGING_OPERATION_NAME]: "publish",
        [ATTR_MESSAGING_DESTINATION_NAME]: subject,
        [ATTR_MESSAGING_MESSAGE_ID]: msgId,
        [ATTR_MESSAGING_MESSAGE_BODY_SIZE]: bytes,
      },
    },
    parent,
  );
  injectIntoHeaders(trace.setSpan(parent, span), headers);
  return span;
}

/** Ends a PRODUCER span with what JetStream answered. Returns the result, for `.then` chains. */
export function endPublishSpan<T extends PublishResult>(span: Span, result: T): T {
  if (span.isRecording()) {
    if (result.status === "stored") {
      span.setAttribute("playpulse.nats.stream_seq", result.seq ?? 0);
      span.setAttribute("playpulse.publish.duplicate", result.duplicate === true);
    } else {
      span.setAttribute(ATTR_ERROR_TYPE, result.reason ?? "failed");
      span.setStatus({ code: SpanStatusCode.ERROR, message: result.message ?? "publish failed" });
    }
  }
  span.end();
  return result;
}

/** The parts of a JetStream message (`JsMsg`) the consumer spans read. */
export interface ConsumedMessage {
  subject: string;
  seq: number;
  data: Uint8Array;
  headers?: HeaderCarrier;
  info: { deliveryCount: number };
}

/** What a batch insert span needs to know about the messages it stores. */
export interface BatchInfo {
  consumer: string;
  messageCount: number;
  links: Link[];
}

const BATCH = createContextKey("playpulse.messaging.batch");

/** The batch whose rows are being written in this context (read by the store's insert span). */
export function batchOf(ctx: Context): BatchInfo | undefined {
  return ctx.getValue(BATCH) as BatchInfo | undefined;
}

/** Links per message span at most: a pack merged across requests names one trace per line. */
const MAX_PACK_LINKS = 128;

/**
 * Links to the requests of a pack merged across requests (`Playpulse-Pack-Traces`, one traceparent
 * per line): the message's span is a child of its first line's request and links to each other one.
 */
function packLinks(headers: HeaderCarrier | undefined): Link[] {
  const listed = headers?.get(PACK_TRACES_HEADER);
  if (!listed) return [];
  const seen = new Set<string>([headers?.get("traceparent") ?? ""]);
  const links: Link[] = [];
  for (const tp of listed.split(",")) {
    const context = seen.has(tp) ? undefined : parseTraceparent(tp);
    if (!context) continue;
    seen.add(tp);
    links.push({ context });
    if (links.length === MAX_PACK_LINKS) break;
  }
  return links;
}

const isSampled = (span: Span) => (span.spanContext().traceFlags & TraceFlags.SAMPLED) !== 0;

export interface BatchTrace<M extends ConsumedMessage> {
  /** Starts the CONSUMER span of a message, as a child of the publish context in its headers. */
  start(m: M): void;
  /** Ends the message's span with what became of it. */
  settle(m: M, result: MessageResult, error?: string): void;
  /**
   * Runs the batch write in a context whose parent is the first sampled message span and
   * whose batch info makes the insert span link to every sampled message span.
   */
  write<T>(msgs: readonly M[], fn: () => Promise<T>): Promise<T>;
  /** Runs `fn` (a log line) with the message's span active, so the line carries its trace id. */
  within<T>(m: M, fn: () => T): T;
}

/**
 * Per-batch span bookkeeping for one consumer.
 *
 * @example
 * const bt = tracer ? traceBatch(tracer, "analytics") : undefined;
 * for (const m of batch) bt?.start(m);
 * await (bt ? bt.write(okMsgs, () => handler.write(rows)) : handler.write(rows));
 * for (const m of okMsgs) bt?.settle(m, "acked");
 */
export function traceBatch<M extends ConsumedMessage>(tracer: Tracer, consumer: string): BatchTrace<M> {
  const spans = new Map<M, Span>();
  return {
    start(m) {
      const parent = extractFromHeaders(m.headers);
      const span = tracer.startSpan(
        `process ${m.subject}`,
        {
          kind: SpanKind.CONSUMER,
          attributes: {
            [ATTR_MESSAGING_SYSTEM]: MESSAGING_SYSTEM,
            [ATTR_MESSAGING_OPERATION_TYPE]: "process",
            [ATTR_MESSAGING_OPERATION_NAME]: "process",
            [ATTR_MESSAGING_DESTINATION_NAME]: m.subject,
            [ATTR_MESSAGING_CONSUMER_GROUP_NAME]: consumer,
            [ATTR_MESSAGING_DESTINATION_SUBSCRIPTION_NAME]: consumer,
            [ATTR_MESSAGING_MESSAGE_ID]: m.headers?.get("Nats-Msg-Id") ?? "",
            [ATTR_MESSAGING_MESSAGE_BODY_SIZE]: m.data.byteLength,
            "playpulse.nats.stream_seq": m.seq,
            "playpulse.nats.delivery_count": m.info.deliveryCount,
          },
          links: packLinks(m.headers),
        },
        parent,
      );
      spans.set(m, span);
    },
    settle(m, result, error) {
      const span = spans.get(m);
      if (!span) return;
      spans.delete(m);
      if (span.isRecording()) {
        span.setAttribute("playpulse.outcome", result);
        if (error !== undefined) span.setStatus({ code: SpanStatusCode.ERROR, message: error });
      }
      span.end();
    },
    write(msgs, fn) {
      let parent: Span | undefined;
      const links: Link[] = [];
      for (const m of msgs) {
        const span = spans.get(m);
        if (!span || !isSampled(span)) continue;
        links.push({ context: span.spanContext() });
        parent ??= span;
      }
      parent ??= msgs.length > 0 ? spans.get(msgs[0] as M) : undefined;
      const base = parent ? trace.setSpan(context.active(), parent) : context.active();
      const ctx = base.setValue(BATCH, { consumer, messageCount: msgs.length, links } satisfies BatchInfo);
      return context.with(ctx, fn);
    },
    within(m, fn) {
      const span = spans.get(m);
      return span ? context.with(trace.setSpan(context.active(), span), fn) : fn();
    },
  };
}
