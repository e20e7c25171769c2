import { context } from "@opentelemetry/api";
import { deadLetter, ok, type ConsumerHandler, type InboundMessage, type Publisher } from "../../src/bus/index.ts";
import { extractFromHeaders, type HeaderCarrier, type Logger } from "../../src/telemetry/index.ts";
import { decodeEvent, encodeEvent, msgIdOf, type ShopEvent, type ShopSubjects } from "./events.ts";
import { compareAndSet, type Decision, type ShopState } from "./state.ts";

/** A service: its durables (one subject tree each), its bucket, and one pure decision per event. */
export interface Service<T> {
  durables: readonly { name: string; tree: string }[];
  bucket: keyof ShopState;
  /** The key an event changes, or undefined for an event the service ignores (acked, nothing done). */
  keyOf(e: ShopEvent): string | undefined;
  decide(current: T | undefined, e: ShopEvent): Decision<T, ShopEvent>;
}

/** A message the handler will act on: the event and the trace context it was published in. */
export interface Step {
  event: ShopEvent;
  trace: Record<string, string>;
}

export interface ServiceDeps {
  state: ShopState;
  publisher: Publisher;
  subjects: ShopSubjects;
  logger: Logger;
}

const TRACE_HEADERS = ["traceparent", "tracestate"];

/** The W3C trace headers of `msg`, as a carrier for `extractFromHeaders`. */
function traceOf(msg: InboundMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of TRACE_HEADERS) {
    const v = msg.header(name);
    if (v !== undefined) out[name] = v;
  }
  return out;
}

function carrier(h: Record<string, string>): HeaderCarrier {
  return { get: (k) => h[k] ?? "", set: () => undefined, keys: () => Object.keys(h) };
}

/**
 * The consume loop's handler for one durable of `service`. `prepare` is pure: it decodes the
 * message (a bad one is dead-lettered) and keeps its trace context. `write` applies each step
 * with a compare-and-set on the service's bucket, then publishes what the step emits, in the
 * trace of the message that caused it, so an order keeps one trace across the four services.
 * It throws if a publish fails: the loop naks the batch and the redelivery emits again.
 *
 * @example
 * const handler = createServiceHandler(paymentService, "payment", { state, publisher, subjects, logger });
 * startConsumeLoop({ bus, stream, handler, ... });
 */
export function createServiceHandler<T>(service: Service<T>, name: string, deps: ServiceDeps): ConsumerHandler<Step> {
  const { state, publisher, subjects, logger } = deps;
  const kv = state[service.bucket];

  function prepare(msg: InboundMessage) {
    const decoded = decodeEvent(msg.data);
    if ("error" in decoded) return deadLetter<Step>(decoded.error);
    if (service.keyOf(decoded.event) === undefined) return ok<Step>([]);
    return ok<Step>([{ event: decoded.event, trace: traceOf(msg) }]);
  }

  async function apply(step: Step): Promise<Promise<void>[]> {
    const key = service.keyOf(step.event) ?? "";
    const decision = await compareAndSet(kv, key, (current: T | undefined) => service.decide(current, step.event));
    const { order } = step.event;
    if (decision.next !== undefined) logger.info({ service: name, order: order.id, on: step.event.type, key }, "step");
    const parent = extractFromHeaders(carrier(step.trace));
    return decision.emit.map((e) =>
      context.with(parent, async () => {
        const [outcome] = await publisher.publish([
          { subject: subjects.of(e.type), msgId: msgIdOf(e), data: encodeEvent(e) },
        ]);
        if (outcome?.status !== "stored")
          throw new Error(`publish ${e.type} of ${order.id}: ${outcome?.message ?? "no answer"}`);
      }),
    );
  }

  async function write(steps: Step[]): Promise<void> {
    // One step after another (steps of one batch often share a key: one product, one customer);
    // their publishes are pipelined, and all of them must be stored before the batch is acked.
    const publishes: Promise<void>[] = [];
    try {
      for (const step of steps) publishes.push(...(await apply(step)));
    } finally {
      const failed = (await Promise.allSettled(publishes)).find((r) => r.status === "rejected");
      if (failed) throw failed.reason;
    }
  }

  return { name, prepare, write };
}
