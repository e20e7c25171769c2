import type { ConsumerMessages, JsMsg } from "@nats-io/jetstream";
import type { Batcher } from "./batcher.ts";

/**
 * The events the batcher may hold, in batches (`PLAYPULSE_BATCH_SIZE` each): one filling and one
 * due. Past that the consume loop stops reading its subscription until a batch is taken.
 */
export const HOLD_BATCHES = 2;

/**
 * Moves a subscription's messages into the batcher, and stops reading while the batcher holds
 * `holdMax` events (unless `stopping()`). nats.js queues its next pull request behind the messages
 * in its iterator, so while the loop does not read, it asks the server for nothing more: at most
 * one pull's messages (PULL_MAX_MESSAGES) arrive after. That bounds what a process holds in
 * events, where the durable's `max_ack_pending` counts messages, each of which may be a pack of
 * many events. Ends when the subscription does, after every message it received is in the batcher.
 *
 * @example
 * pump(batcher, await consumer.consume({ max_messages: 128 }), 2 * batchSize, () => stopping).then(onEnded, onEnded);
 */
export async function pump(
  batcher: Batcher<JsMsg>,
  messages: ConsumerMessages,
  holdMax: number,
  stopping: () => boolean,
): Promise<void> {
  for await (const m of messages) {
    batcher.push(m);
    if (!stopping() && batcher.weight() >= holdMax) await batcher.room(holdMax);
  }
}
