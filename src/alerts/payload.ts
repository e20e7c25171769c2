import type { AlertEvent } from "../events/index.ts";
import type { AlertRule } from "./rule.ts";
import { transitionMessageId, type Transition } from "./state.ts";

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * The event announcing a transition (docs/events.md, "Analytics events"): what webhooks,
 * recommendations and the dashboard build on.
 *
 * @example
 * const event = alertEvent(rule, transition); // { id: "alert.fired.cdn_failures.…", state: "firing", … }
 */
export function alertEvent(rule: AlertRule, t: Transition): AlertEvent {
  return {
    id: transitionMessageId(rule, t),
    type: t.kind === "fired" ? "analytics.alert.fired" : "analytics.alert.resolved",
    schema_version: 1,
    rule_id: rule.id,
    key: { dimension: rule.split_by, value: t.key },
    metric: rule.metric,
    value: t.value,
    threshold: rule.threshold,
    comparison: rule.comparison,
    window_seconds: rule.window_seconds,
    state: t.kind === "fired" ? "firing" : "resolved",
    fired_at: iso(t.fired_at),
    ...(t.resolved_at === undefined ? {} : { resolved_at: iso(t.resolved_at) }),
    ...(rule.split_by === "video_id" ? { video_id: t.key } : {}),
  };
}

/** The transition an event announced, back (restoring state after a restart reads these). */
export function transitionOf(e: AlertEvent, windowMs: number): Transition {
  const fired = Date.parse(e.fired_at);
  return {
    kind: e.state === "firing" ? "fired" : "resolved",
    rule_id: e.rule_id,
    key: e.key.value,
    value: e.value,
    fired_at: fired,
    ...(e.resolved_at === undefined ? {} : { resolved_at: Date.parse(e.resolved_at) }),
    bucket: Math.floor(fired / windowMs) * windowMs,
  };
}
