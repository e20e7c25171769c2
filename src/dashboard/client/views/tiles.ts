import { h } from "../dom.ts";
import { change, METRICS, show } from "../format.ts";
import type { MetricName, Metrics } from "../types.ts";

/** One number with its label and, when a previous period is given, its change (coloured when worse). */
export function tile(metric: MetricName, now: Metrics, before?: Metrics): HTMLElement {
  const value = now[metric];
  const c = before ? change(metric, value, before[metric]) : undefined;
  return h(
    "div",
    { class: "tile", "data-metric": metric, "data-value": value === null ? "null" : String(value) },
    h("h3", {}, METRICS[metric].label),
    h("p", { class: "value" }, show(metric, value)),
    c &&
      h(
        "p",
        { class: `change ${c.tone}`, title: before ? `previous: ${show(metric, before[metric])}` : undefined },
        c.text,
      ),
  );
}

export function tiles(metrics: readonly MetricName[], now: Metrics, before?: Metrics): HTMLElement {
  return h("div", { class: "tiles" }, ...metrics.map((m) => tile(m, now, before)));
}

export const QOE: readonly MetricName[] = [
  "startup_ms_p50",
  "startup_ms_p95",
  "rebuffer_ratio",
  "failure_rate",
  "exits_before_start",
  "completion_rate",
];
export const VOLUME: readonly MetricName[] = ["views", "plays", "unique_viewers", "watch_time_ms"];
