import { jetstream } from "@nats-io/jetstream";
import { headers as natsHeaders, type NatsConnection } from "@nats-io/transport-node";
import { DLQ_HEADERS, headerValue } from "./headers.ts";
import type { PoisonSink } from "./poison.ts";

/**
 * A PoisonSink that publishes each refused row's message to the dead-letter stream, with the same
 * subject, headers and message id (`<consumer>:<stream seq>`) the consume loop uses, and waits for
 * JetStream to store them. A failed publish throws, so the loop naks the batch and retries it.
 *
 * @example
 * createTableConsumer(analytics, { store, poison: createDeadLetterSink(bus.nc, (c, s) => subjects.dlq(c, s)) });
 */
export function createDeadLetterSink(
  nc: NatsConnection,
  dlqSubject: (consumer: string, subject: string) => string,
  now: () => number = Date.now,
): PoisonSink {
  const js = jetstream(nc);
  return async function deadLetterRows(consumer, rows) {
    await Promise.all(
      rows.map(async ({ origin, error }) => {
        const h = natsHeaders();
        for (const [k, v] of Object.entries(origin.headers)) if (k !== "Nats-Msg-Id") h.set(k, v);
        h.set(DLQ_HEADERS.consumer, consumer);
        h.set(DLQ_HEADERS.error, headerValue(`poison row: ClickHouse refused it: ${error}`));
        h.set(DLQ_HEADERS.attempts, String(origin.deliveryCount));
        h.set(DLQ_HEADERS.subject, origin.subject);
        h.set(DLQ_HEADERS.streamSeq, String(origin.streamSeq));
        h.set(DLQ_HEADERS.time, new Date(now()).toISOString());
        const id = origin.headers["Nats-Msg-Id"];
        if (id) h.set(DLQ_HEADERS.msgId, id);
        await js.publish(dlqSubject(consumer, origin.subject), origin.data, {
          headers: h,
          msgID: `${consumer}:${origin.streamSeq}`,
        });
      }),
    );
  };
}
