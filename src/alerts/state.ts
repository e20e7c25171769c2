import { createHash } from "node:crypto";
import { beyond, resolveLevel, type AlertRule } from "./rule.ts";

/** A key's figures over the rule's window: `value` null when there is nothing to compute it from. */
export interface Observation {
  /** The split dimension's value ("" when the rule is not split). */
  key: string;
  value: number | null;
  volume: number;
}

/** A key whose alert is firing: when it fired, in which window bucket the breach began, the clear evaluations in a row since. */
export interface Firing {
  fired_at: number;
  bucket: number;
  value: number;
  clears: number;
}

/** The firing keys of one rule; a key not in it is not firing. */
export type RuleState = ReadonlyMap<string, Firing>;

/** A state change of one key of one rule: what the evaluations role announces. */
export interface Transition {
  kind: "fired" | "resolved";
  rule_id: string;
  key: string;
  /** The value that made the change (null when a key resolved for lack of data). */
  value: number | null;
  fired_at: number;
  /** Set when `kind` is "resolved". */
  resolved_at?: number;
  /** The start of the window bucket (epoch ms, a multiple of the window) in which the breach began. */
  bucket: number;
}

/**
 * One evaluation of a rule, pure: the previous firing keys and the window's figures per key in,
 * the next firing keys and the transitions out. A key fires when it is judged (volume ≥
 * min_volume and a value) and beyond the threshold, and fires once: while firing nothing more is
 * announced. It resolves once, after `clear_evaluations` clear evaluations in a row, a clear one
 * being back past threshold × (1 ∓ ratio) or not judged (too little volume, no data, or the key
 * absent). A value between the two levels keeps it firing and restarts the count: no flapping.
 *
 * @example
 * const { next, transitions } = evaluateRule(rule, new Map(), [{ key: "cdn-b", value: 0.2, volume: 400 }], now);
 * // transitions: [{ kind: "fired", rule_id: rule.id, key: "cdn-b", value: 0.2, fired_at: now, bucket }]
 */
export function evaluateRule(
  rule: AlertRule,
  prev: RuleState,
  observations: readonly Observation[],
  now: number,
): { next: Map<string, Firing>; transitions: Transition[] } {
  const windowMs = rule.window_seconds * 1000;
  const seen = new Map(observations.map((o) => [o.key, o]));
  for (const key of prev.keys()) if (!seen.has(key)) seen.set(key, { key, value: null, volume: 0 });
  const next = new Map<string, Firing>();
  const transitions: Transition[] = [];
  for (const [key, o] of [...seen].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const judged = o.value !== null && o.volume >= rule.min_volume ? o.value : null;
    const was = prev.get(key);
    if (!was) {
      if (judged === null || !beyond(rule, judged, rule.threshold)) continue;
      const bucket = Math.floor(now / windowMs) * windowMs;
      next.set(key, { fired_at: now, bucket, value: judged, clears: 0 });
      transitions.push({ kind: "fired", rule_id: rule.id, key, value: judged, fired_at: now, bucket });
      continue;
    }
    const clear = judged === null || !beyond(rule, judged, resolveLevel(rule));
    const clears = clear ? was.clears + 1 : 0;
    if (clears < rule.hysteresis.clear_evaluations) {
      next.set(key, { ...was, value: judged ?? was.value, clears });
      continue;
    }
    transitions.push({
      kind: "resolved",
      rule_id: rule.id,
      key,
      value: judged,
      fired_at: was.fired_at,
      resolved_at: now,
      bucket: was.bucket,
    });
  }
  return { next, transitions };
}

/**
 * The firing keys per rule after a sequence of transitions (oldest first): how the evaluations
 * role gets its state back after a restart, from what it announced.
 *
 * @example
 * const state = restoreState(transitionsFromStream); // Map<rule_id, Map<key, Firing>>
 */
export function restoreState(transitions: readonly Transition[]): Map<string, Map<string, Firing>> {
  const out = new Map<string, Map<string, Firing>>();
  for (const t of transitions) {
    const rule = out.get(t.rule_id) ?? new Map<string, Firing>();
    out.set(t.rule_id, rule);
    if (t.kind === "resolved") rule.delete(t.key);
    else rule.set(t.key, { fired_at: t.fired_at, bucket: t.bucket, value: t.value ?? 0, clears: 0 });
  }
  return out;
}

/**
 * The `Nats-Msg-Id` of a transition: the same state change always gets the same id (rule, split,
 * key, kind and the instant its breach began), so announcing it again (a retried publish, a
 * restart that re-announces) is dropped by JetStream's duplicate window, while a later breach of
 * the same key, even in the same window bucket, is a new id.
 *
 * @example
 * transitionMessageId({ id: "cdn_failures", split_by: "cdn" }, t); // "alert.fired.cdn_failures.9f2c…"
 */
export function transitionMessageId(rule: { id: string; split_by: string | null }, t: Transition): string {
  const digest = createHash("sha256")
    .update(JSON.stringify([rule.id, rule.split_by, t.key, t.kind, t.fired_at]))
    .digest("hex")
    .slice(0, 32);
  return `alert.${t.kind}.${rule.id}.${digest}`;
}
