import { ATTR_MESSAGING_BATCH_MESSAGE_COUNT } from "./semconv.ts";
import { trace } from "@opentelemetry/api";
import type { IngestCounts, Metrics } from "./metrics.ts";

/** Structurally the ingest route's `IngestObserver`. */
export interface IngestReport {
  onResponse(status: number, body: IngestCounts | undefined, publishMs: number): void;
}

/**
 * What the ingest route reports per request: the metrics, and (with tracing on) the counts
 * as attributes of the request's SERVER span, which is active while the route runs.
 */
export function ingestObserver(metrics: Pick<Metrics, "ingest"> | undefined, tracing: boolean): IngestReport {
  return {
    onResponse(status, body, publishMs) {
      metrics?.ingest.onResponse(status, body, publishMs);
      if (!tracing || !body) return;
      const span = trace.getActiveSpan();
      if (span?.isRecording()) {
        span.setAttributes({
          "playpulse.ingest.accepted": body.accepted,
          "playpulse.ingest.duplicates": body.duplicates,
          "playpulse.ingest.rejected": body.rejected,
          [ATTR_MESSAGING_BATCH_MESSAGE_COUNT]: body.accepted + body.duplicates,
        });
      }
    },
  };
}
