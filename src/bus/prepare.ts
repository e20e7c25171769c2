import type { JsMsg } from "@nats-io/jetstream";
import type { ConsumerHandler, InboundMessage, Outcome } from "./outcomes.ts";

/** A JetStream message as handlers see it. `deliveryCount` is the server's unless given (a replay reads each once). */
export function toInbound(m: JsMsg, deliveryCount = m.info.deliveryCount): InboundMessage {
  return {
    subject: m.subject,
    data: m.data,
    header: (name) => m.headers?.get(name) || undefined,
    streamSeq: m.seq,
    deliveryCount,
  };
}

/**
 * The handler's outcome for one message; a handler that throws dead-letters the message instead
 * of stopping the loop. The consume loop and replay both prepare through here.
 */
export function prepareMessage<R>(handler: ConsumerHandler<R>, msg: InboundMessage): Outcome<R> {
  try {
    return handler.prepare(msg);
  } catch (err: unknown) {
    return { kind: "dead-letter", reason: `handler threw: ${err instanceof Error ? err.message : String(err)}` };
  }
}
