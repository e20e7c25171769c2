import type { AlertEvent } from "../events/index.ts";
import type { AlertRule } from "./rule.ts";
import { transitionMessageId, type Transition } from "./state.ts";

const iso = (ms: number) => new Date(ms).toISOString();

/** The key of a `per_title` rule: the title and the dimension's value, joined by a tab (neither holds one). */
export const titleKey = (videoId: string, value: string) => `${videoId}\t${value}`;

/** A transition's key as the event names it: the title apart, when the rule splits by title. */
function splitKey(rule: Pick<AlertRule, "split_by" | "per_title">, key: string): { value: string; video_id?: string } {
  if (rule.split_by === "video_id") return { value: key, video_id: key };
  if (!rule.per_title) return { value: key };
  const tab = key.indexOf("\t");
  return { value: key.slice(tab + 1), video_id: key.slice(0, tab) };
}

/**
 * The event announcing a transition (docs/events.md, "Analytics events"): what webhooks,
 * recommendations and the dashboard build on.
 *
 * @example
 * const event = alertEvent(rule, transition); // { id: "alert.fired.cdn_failures.…", state: "firing", … }
 */
export function alertEvent(rule: AlertRule, t: Transition): AlertEvent {
  const split = splitKey(rule, t.key);
  return {
    id: transitionMessageId(rule, t),
    type: t.kind === "fired" ? "analytics.alert.fired" : "analytics.alert.resolved",
    schema_version: 1,
    rule_id: rule.id,
    key: { dimension: rule.split_by, value: split.value },
    metric: rule.metric,
    value: t.value,
    threshold: rule.threshold,
    comparison: rule.comparison,
    window_seconds: rule.window_seconds,
    state: t.kind === "fired" ? "firing" : "resolved",
    fired_at: iso(t.fired_at),
    ...(t.resolved_at === undefined ? {} : { resolved_at: iso(t.resolved_at) }),
    ...(split.video_id === undefined ? {} : { video_id: split.video_id }),
  };
}

/** The transition an event announced, back (restoring state after a restart reads these). */
export function transitionOf(e: AlertEvent, windowMs: number): Transition {
  const fired = Date.parse(e.fired_at);
  return {
    kind: e.state === "firing" ? "fired" : "resolved",
    rule_id: e.rule_id,
    key: e.video_id !== undefined && e.key.dimension !== "video_id" ? titleKey(e.video_id, e.key.value) : e.key.value,
    value: e.value,
    fired_at: fired,
    ...(e.resolved_at === undefined ? {} : { resolved_at: Date.parse(e.resolved_at) }),
    bucket: Math.floor(fired / windowMs) * windowMs,
  };
}

/**
 * The `resolved` event of a key whose rule was deleted while it fired, built from the key's
 * `fired` event (the rule itself is gone): value null, `reason: "rule_deleted"`, and the id a
 * resolution of that breach always gets, so a restart that resolves it again announces nothing new.
 *
 * @example
 * const resolved = deletedRuleResolution(firedEvent, Date.now()); // { state: "resolved", reason: "rule_deleted", … }
 */
export function deletedRuleResolution(fired: AlertEvent, now: number): AlertEvent {
  const t: Transition = {
    ...transitionOf(fired, fired.window_seconds * 1000),
    kind: "resolved",
    value: null,
    resolved_at: now,
  };
  return {
    ...fired,
    id: transitionMessageId({ id: fired.rule_id, split_by: fired.key.dimension }, t),
    type: "analytics.alert.resolved",
    value: null,
    state: "resolved",
    resolved_at: iso(now),
    reason: "rule_deleted",
  };
}
