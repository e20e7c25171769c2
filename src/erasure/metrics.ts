import { Counter, type Registry } from "prom-client";

/**
 * `playpulse_erasure_suppressed_events_total{consumer}`: events not stored because their user is
 * erased (docs/erasure.md#late-events). Labels: the consumer name only, never a user.
 */
export function erasureMetrics(registry: Registry) {
  const suppressed = new Counter({
    name: "playpulse_erasure_suppressed_events_total",
    help: "Events not stored because their user was erased (late events, retries, replays).",
    labelNames: ["consumer"] as const,
    registers: [registry],
  });
  return { suppressed: (consumer: string, n: number) => suppressed.inc({ consumer }, n) };
}
