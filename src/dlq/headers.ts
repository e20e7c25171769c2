/** Headers the consume loop (src/bus/consume-loop.ts) and the poison-row sink put on a dead letter. */
export const DLQ_HEADERS = {
  consumer: "Playpulse-Dlq-Consumer",
  error: "Playpulse-Dlq-Error",
  attempts: "Playpulse-Dlq-Attempts",
  subject: "Playpulse-Dlq-Subject",
  streamSeq: "Playpulse-Dlq-Stream-Seq",
  time: "Playpulse-Dlq-Time",
  msgId: "Playpulse-Dlq-Msg-Id",
} as const;

/** Set on a message republished by `playpulse dlq redrive`: `<dlq stream>:<dlq seq>`. */
export const REDRIVEN_FROM_HEADER = "Playpulse-Redriven-From";

/** Headers of a consumed message worth keeping on its dead letter when the loop's copy is not at hand. */
export const KEPT_HEADERS = ["Nats-Msg-Id", "traceparent", "tracestate", "baggage"] as const;

/** A header value on one line, cut to `max` characters (NATS headers cannot hold line breaks). */
export function headerValue(text: string, max = 1000): string {
  return text.replace(/[\r\n]+/g, " ").slice(0, max);
}
