import { context } from "@opentelemetry/api";
import {
  deadLetter,
  ok,
  type ConsumerHandler,
  type InboundMessage,
  type MessageRows,
  type Publisher,
  type Refused,
} from "../../src/bus/index.ts";
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

export interface ServiceDeps {
  state: ShopState;
  publisher: Publisher;
  subjects: ShopSubjects;
  logger: Logger;
}

const TRACE_HEADERS = ["traceparent", "tracestate"];

/** The W3C trace headers of `msg`, as a carrier for `extractFromHeaders`. */
function traceOf(msg: InboundMessage): HeaderCarrier {
  return {
    get: (k) => msg.header(k) ?? "",
    set: () => undefined,
    keys: () => TRACE_HEADERS.filter((k) => msg.header(k) !== undefined),
  };
}

/**
 * The consume loop's handler for one durable of `service`. `prepare` is pure: it decodes the
 * message (a bad one is dead-lettered). `write` gets each event with its message and applies it
 * with a compare-and-set on the service's bucket, then publishes what the step emits, in the
 * trace of the message that caused it, so an order keeps one trace across the four services.
 * It throws if a publish fails: the loop naks the batch and the redelivery emits again.
 *
 * @example
 * const handler = createServiceHandler(paymentService, "payment", { state, publisher, subjects, logger });
 * startConsumeLoop({ bus, stream, handler, ... });
 */
export function createServiceHandler<T>(
  service: Service<T>,
  name: string,
  deps: ServiceDeps,
): ConsumerHandler<ShopEvent> {
  const { state, publisher, subjects, logger } = deps;
  const kv = state[service.bucket];

  function prepare(msg: InboundMessage) {
    const decoded = decodeEvent(msg.data);
    if ("error" in decoded) return deadLetter<ShopEvent>(decoded.error);
    return ok(service.keyOf(decoded.event) === undefined ? [] : [decoded.event]);
  }

  /** Applies one event and starts publishing what it emits, in the trace of the message it came in. */
  async function apply(event: ShopEvent, msg: InboundMessage): Promise<Promise<void>[]> {
    const key = service.keyOf(event) ?? "";
    const decision = await compareAndSet(kv, key, (current: T | undefined) => service.decide(current, event));
    const { order } = event;
    if (decision.next !== undefined) logger.info({ service: name, order: order.id, on: event.type, key }, "step");
    const parent = extractFromHeaders(traceOf(msg));
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

  /**
   * One event after another (events of one batch often share a key: one product, one customer);
   * their publishes are pipelined, and all must be stored before the batch is acked. Nothing is
   * refused: a bad message was dead-lettered by `prepare`.
   */
  async function write<G extends MessageRows<ShopEvent>>(batch: readonly G[]): Promise<Refused<G>[]> {
    const publishes: Promise<void>[] = [];
    try {
      for (const { msg, rows } of batch) for (const event of rows) publishes.push(...(await apply(event, msg)));
    } finally {
      const failed = (await Promise.allSettled(publishes)).find((r) => r.status === "rejected");
      if (failed) throw failed.reason;
    }
    return [];
  }

  return { name, prepare, write };
}
