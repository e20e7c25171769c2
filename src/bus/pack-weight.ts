import type { JsMsg } from "@nats-io/jetstream";
import { PACK_HEADER } from "../events/index.ts";

/**
 * A message's weight in a consumer batch: the number of events it carries. A packed message
 * (PLAYPULSE_PACK_EVENTS) weighs its `Playpulse-Pack` count; an unpacked one, or one whose count
 * is absent, malformed or not positive, weighs 1. The headers are read only when the message has any.
 *
 * @example
 * createBatcher<JsMsg>({ maxItems: 5000, maxWaitMs: 1000, weight: packWeight });
 */
export function packWeight(m: Pick<JsMsg, "headers">): number {
  if (!m.headers) return 1;
  const n = Number(m.headers.get(PACK_HEADER));
  return Number.isSafeInteger(n) && n > 0 ? n : 1;
}
