import { Counter, type Registry } from "prom-client";
import type { SegmentObserver } from "./routes.ts";

/**
 * `playpulse_segment_messages_total{type, outcome}`: every Segment message the edge received, by
 * type (track, page, screen, identify, group, alias, video, video_ad, video_other, unknown) and by
 * what became of it (stored, duplicate, ignored, dropped).
 *
 * @example
 * createSegmentRoutes({ ...deps, observer: segmentMetrics(metrics.registry) });
 */
export function segmentMetrics(registry: Registry): SegmentObserver {
  const messages = new Counter({
    name: "playpulse_segment_messages_total",
    help: "Segment API messages received, by type and outcome (stored, duplicate, ignored, dropped)",
    labelNames: ["type", "outcome"] as const,
    registers: [registry],
  });
  return {
    onMessages(results) {
      try {
        for (const r of results) messages.inc({ type: r.type, outcome: r.outcome });
      } catch {
        // a count is not worth a failed request
      }
    },
  };
}
