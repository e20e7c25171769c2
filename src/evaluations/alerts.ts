import {
  alertEvent,
  deletedRuleResolution,
  evaluateRule,
  observe,
  recordAlerts,
  restoreState,
  transitionOf,
  type AlertRule,
  type Firing,
} from "../alerts/index.ts";
import { analyticsSubject, type AlertEvent } from "../events/index.ts";
import type { Store } from "../store/index.ts";
import type { Announcement } from "./stream.ts";

export interface AlertEvaluatorDeps {
  store: Store;
  ccvWindowSeconds: number;
  /** SubjectNames.prefix. */
  prefix: string;
  rules: () => Promise<AlertRule[]>;
  announce: (a: Announcement) => Promise<{ duplicate: boolean }>;
}

const isAlertEvent = (e: unknown): e is AlertEvent =>
  typeof e === "object" && e !== null && typeof (e as AlertEvent).rule_id === "string" && "fired_at" in e;

/**
 * The alert half of the evaluations role: the firing keys of every rule in memory, restored from
 * the announced events at start; `evaluate` runs every rule (observe → evaluateRule), announces
 * each transition with its message id, then records it in ClickHouse. An announcement that fails
 * stays pending and is tried again first, under the same id: the state never runs ahead of the
 * bus by more than the pending list, and nothing is announced twice.
 *
 * @example
 * const alerts = createAlertEvaluator({ store, ccvWindowSeconds: 25, prefix: "", rules: () => rules.list(), announce });
 * await alerts.restore(announcedEvents);
 * await alerts.evaluate(Date.now());
 */
export function createAlertEvaluator(deps: AlertEvaluatorDeps) {
  let state = new Map<string, Map<string, Firing>>();
  /** The `fired` event of every firing key, by rule and key: what resolves it if its rule is deleted. */
  let open = new Map<string, AlertEvent>();
  const pending: AlertEvent[] = [];

  async function flush() {
    while (pending.length > 0) {
      const e = pending[0] as AlertEvent;
      await deps.announce({ subject: analyticsSubject(deps.prefix, e.type), id: e.id, body: e });
      await recordAlerts(deps.store, [e]);
      pending.shift();
      track(open, e);
    }
  }

  /** Resolves every firing key of each rule that is no longer defined (`reason: "rule_deleted"`). */
  function resolveDeleted(rules: readonly AlertRule[], now: number): AlertEvent[] {
    const out: AlertEvent[] = [];
    for (const [id, keys] of state) {
      if (rules.some((r) => r.id === id)) continue;
      for (const key of keys.keys()) {
        const fired = open.get(openKey(id, key));
        if (fired) out.push(deletedRuleResolution(fired, now));
      }
      state.delete(id);
    }
    return out;
  }

  return {
    /** Takes back what was announced (oldest first) and records it again in ClickHouse (idempotent). */
    async restore(announced: readonly unknown[]) {
      const events = announced.filter(isAlertEvent);
      state = restoreState(events.map((e) => transitionOf(e, e.window_seconds * 1000)));
      open = new Map();
      for (const e of events) track(open, e);
      await recordAlerts(deps.store, events);
    },
    /** One evaluation of every rule as of `now`; returns what it announced. */
    async evaluate(now: number): Promise<AlertEvent[]> {
      await flush();
      const announced: AlertEvent[] = [];
      const rules = await deps.rules();
      const deleted = resolveDeleted(rules, now);
      pending.push(...deleted);
      announced.push(...deleted);
      await flush();
      for (const rule of rules) {
        const observations = await observe({ store: deps.store, ccvWindowSeconds: deps.ccvWindowSeconds }, rule, now);
        const { next, transitions } = evaluateRule(rule, state.get(rule.id) ?? new Map(), observations, now);
        state.set(rule.id, next);
        const events = transitions.map((t) => alertEvent(rule, t));
        pending.push(...events);
        announced.push(...events);
        await flush();
      }
      return announced;
    },
    /** How many keys are firing: while any is, the role keeps evaluating without new events (to resolve). */
    firing(): number {
      let n = 0;
      for (const keys of state.values()) n += keys.size;
      return n + pending.length;
    },
  };
}

const openKey = (ruleId: string, key: string) => `${ruleId}\u0000${key}`;

/** Keeps `open` at the fired event of each key that fires, after `e` (oldest first). */
function track(open: Map<string, AlertEvent>, e: AlertEvent): void {
  const key = openKey(e.rule_id, transitionOf(e, e.window_seconds * 1000).key);
  if (e.state === "firing") open.set(key, e);
  else open.delete(key);
}
