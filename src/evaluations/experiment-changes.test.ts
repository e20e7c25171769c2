import { describe, expect, it } from "vitest";
import type { ExperimentEvent } from "../events/index.ts";
import { nextChange, restoreKnown, type Digest, type Known } from "./experiment-changes.ts";

const AT = { experiment_id: "exp_abr", views: 400, now: Date.parse("2026-12-06T07:00:00.000Z") };
const CLEAN: Digest = { srm: false, decisions: { b: "inconclusive" }, guardrails_breached: [] };
const BREACH: Digest = {
  srm: false,
  decisions: { b: "worse" },
  guardrails_breached: ["b:exit_before_start_rate", "b:failure_rate"],
};
const SRM: Digest = { srm: true, decisions: { b: "not_trustworthy" }, guardrails_breached: ["b:failure_rate"] };
const ID = /^experiment\.(evaluated|guardrail_breached)\.exp_abr\.[0-9a-f]{32}$/;

/** Runs digests through nextChange from `start`, as one evaluator would: the events of each evaluation. */
function run(digests: Digest[], start?: Known): { events: ExperimentEvent[][]; known: Known | undefined } {
  let known = start;
  const events = digests.map((d) => {
    const change = nextChange(known, AT, d);
    if (!change) return [];
    known = change.known;
    return change.events;
  });
  return { events, known };
}

const summary = (es: ExperimentEvent[]) => es.map((e) => [e.type, e.guardrail]);

describe("nextChange: what one evaluation announces", () => {
  it.each<[string, Digest[], (string | undefined)[][][]]>([
    ["a first verdict: one evaluated", [CLEAN], [[["analytics.experiment.evaluated", undefined]]]],
    [
      "the same verdict again: nothing",
      [CLEAN, CLEAN, CLEAN],
      [[["analytics.experiment.evaluated", undefined]], [], []],
    ],
    [
      "two guardrails breached: evaluated, then one guardrail_breached each",
      [CLEAN, BREACH],
      [
        [["analytics.experiment.evaluated", undefined]],
        [
          ["analytics.experiment.evaluated", undefined],
          ["analytics.experiment.guardrail_breached", "b:exit_before_start_rate"],
          ["analytics.experiment.guardrail_breached", "b:failure_rate"],
        ],
      ],
    ],
    [
      "a guardrail still breached is not announced again",
      [BREACH, SRM],
      [
        [
          ["analytics.experiment.evaluated", undefined],
          ["analytics.experiment.guardrail_breached", "b:exit_before_start_rate"],
          ["analytics.experiment.guardrail_breached", "b:failure_rate"],
        ],
        [["analytics.experiment.evaluated", undefined]],
      ],
    ],
  ])("%s", (_, digests, expected) => {
    expect(run(digests).events.map(summary)).toEqual(expected);
  });

  it("fills each event with the change: the digest, views, time; ids of the documented form, all distinct", () => {
    const { events } = run([CLEAN, BREACH]);
    const all = events.flat();
    expect(all[1]).toEqual({
      id: all[1]?.id,
      type: "analytics.experiment.evaluated",
      schema_version: 1,
      experiment_id: "exp_abr",
      evaluated_at: "2026-12-06T07:00:00.000Z",
      views: 400,
      srm: false,
      decisions: { b: "worse" },
      guardrails_breached: ["b:exit_before_start_rate", "b:failure_rate"],
    });
    expect(all.map((e) => e.id).every((id) => ID.test(id))).toBe(true);
    expect(new Set(all.map((e) => e.id)).size).toBe(all.length);
  });

  it("gives the same change the same ids in another evaluator, at another time, with other views", () => {
    const a = run([CLEAN, BREACH]).events.flat();
    const later = { ...AT, views: 999, now: AT.now + 60_000 };
    const b = nextChange(nextChange(undefined, later, CLEAN)?.known, later, BREACH)?.events ?? [];
    expect(b.map((e) => e.id)).toEqual(a.slice(1).map((e) => e.id));
  });

  it("gives a verdict that changes back a new id: it is a new change", () => {
    const [first = [], , back = []] = run([CLEAN, SRM, CLEAN]).events;
    expect(back.map((e) => e.type)).toEqual(["analytics.experiment.evaluated"]);
    expect(back[0]?.id).not.toBe(first[0]?.id);
  });
});

describe("restoreKnown: the state from the announced events", () => {
  it("continues as the evaluator that announced them would: nothing for the same verdict, the same ids after", () => {
    const before = run([CLEAN, BREACH]);
    const restored = restoreKnown([{ type: "analytics.alert.fired", rule_id: "r" }, ...before.events.flat()]);
    expect(restored.get("exp_abr")).toEqual(before.known);
    expect(run([BREACH], restored.get("exp_abr")).events).toEqual([[]]);
    const next = run([SRM], restored.get("exp_abr")).events.flat();
    expect(next.map((e) => e.id)).toEqual(run([CLEAN, BREACH, SRM]).events[2]?.map((e) => e.id));
  });

  it("without the announced events, the current verdict would be announced again under another id", () => {
    const before = run([CLEAN, BREACH]).events[1] ?? [];
    const fresh = run([BREACH]).events[0] ?? [];
    expect(fresh[0]?.id).not.toBe(before[0]?.id);
  });
});
