import { describe, expect, it } from "vitest";
import { parseRule } from "./rule.ts";
import { evaluateRule, restoreState, transitionMessageId, type Firing, type Observation } from "./state.ts";

const rule = parseRule(
  {
    id: "cdn_failures",
    metric: "failure_rate",
    threshold: 0.05,
    window_seconds: 300,
    min_volume: 200,
    split_by: "cdn",
    hysteresis: { ratio: 0.2, clear_evaluations: 2 },
  },
  "api",
);
const T0 = 1_700_000_100_000; // 100 s into a 300 s bucket
const BUCKET = Math.floor(T0 / 300_000) * 300_000;
const obs = (value: number | null, volume = 400, key = "cdn-b"): Observation[] => [{ key, value, volume }];

/** Runs evaluations in order, 10 s apart, and lists the transitions as "kind@step". */
function run(steps: Observation[][], r = rule): string[] {
  let state: ReadonlyMap<string, Firing> = new Map();
  const out: string[] = [];
  steps.forEach((o, i) => {
    const { next, transitions } = evaluateRule(r, state, o, T0 + i * 10_000);
    state = next;
    out.push(...transitions.map((t) => `${t.kind}:${t.key}@${i}`));
  });
  return out;
}

describe("evaluateRule", () => {
  it.each<[string, Observation[][], string[]]>([
    ["below the threshold: nothing", [obs(0.05), obs(0.01)], []],
    ["a breach fires once, however long it lasts", [obs(0.2), obs(0.3), obs(0.2), obs(0.06)], ["fired:cdn-b@0"]],
    ["too few views: not judged", [obs(0.9, 199), obs(0.9, 0)], []],
    ["no value (no views): not judged", [obs(null, 500)], []],
    [
      "resolves after two clear evaluations in a row, once",
      [obs(0.2), obs(0.01), obs(0.01), obs(0.01)],
      ["fired:cdn-b@0", "resolved:cdn-b@2"],
    ],
    [
      "between 4 % (5 % × 0.8) and 5 %: still firing, and the clear count restarts",
      [obs(0.2), obs(0.03), obs(0.045), obs(0.03), obs(0.03)],
      ["fired:cdn-b@0", "resolved:cdn-b@4"],
    ],
    [
      "flapping around the threshold announces one breach",
      [obs(0.051), obs(0.049), obs(0.051), obs(0.049), obs(0.051), obs(0.041)],
      ["fired:cdn-b@0"],
    ],
    [
      "exactly at the resolve level (4 %) is clear",
      [obs(0.2), obs(0.04), obs(0.04)],
      ["fired:cdn-b@0", "resolved:cdn-b@2"],
    ],
    ["a key gone from the window counts as clear", [obs(0.2), [], []], ["fired:cdn-b@0", "resolved:cdn-b@2"]],
    [
      "volume falling under the minimum counts as clear",
      [obs(0.2), obs(0.2, 10), obs(0.2, 10)],
      ["fired:cdn-b@0", "resolved:cdn-b@2"],
    ],
    [
      "a second breach after a resolution fires again",
      [obs(0.2), obs(0), obs(0), obs(0.2)],
      ["fired:cdn-b@0", "resolved:cdn-b@2", "fired:cdn-b@3"],
    ],
    [
      "keys are independent, transitions in key order",
      [
        [
          { key: "cdn-c", value: 0.1, volume: 300 },
          { key: "cdn-a", value: 0.1, volume: 300 },
          { key: "cdn-b", value: 0.01, volume: 300 },
        ],
        [{ key: "cdn-a", value: 0.1, volume: 300 }],
        [{ key: "cdn-a", value: 0.1, volume: 300 }],
      ],
      ["fired:cdn-a@0", "fired:cdn-c@0", "resolved:cdn-c@2"],
    ],
  ])("%s", (_name, steps, expected) => {
    expect(run(steps)).toEqual(expected);
  });

  it("a '<' rule breaches below the threshold and resolves above threshold × (1 + ratio)", () => {
    const low = { ...rule, comparison: "<" as const, threshold: 100 };
    expect(run([obs(50), obs(110), obs(119), obs(120), obs(130)], low)).toEqual(["fired:cdn-b@0", "resolved:cdn-b@4"]);
  });

  it("no hysteresis: resolves on the first clear evaluation", () => {
    const bare = { ...rule, hysteresis: { ratio: 0, clear_evaluations: 1 } };
    expect(run([obs(0.2), obs(0.05)], bare)).toEqual(["fired:cdn-b@0", "resolved:cdn-b@1"]);
  });

  it("gives the whole transitions: fired with its bucket, resolved with both times", () => {
    const fired = evaluateRule(rule, new Map(), obs(0.2), T0);
    expect(fired.transitions).toEqual([
      { kind: "fired", rule_id: "cdn_failures", key: "cdn-b", value: 0.2, fired_at: T0, bucket: BUCKET },
    ]);
    expect([...fired.next]).toEqual([["cdn-b", { fired_at: T0, bucket: BUCKET, value: 0.2, clears: 0 }]]);
    const once = evaluateRule(rule, fired.next, obs(0.01), T0 + 10_000);
    expect(once.transitions).toEqual([]);
    const twice = evaluateRule(rule, once.next, obs(null, 0), T0 + 20_000);
    expect(twice.transitions).toEqual([
      {
        kind: "resolved",
        rule_id: "cdn_failures",
        key: "cdn-b",
        value: null,
        fired_at: T0,
        resolved_at: T0 + 20_000,
        bucket: BUCKET,
      },
    ]);
    expect(twice.next.size).toBe(0);
  });
});

describe("restoreState and message ids", () => {
  const fired = { kind: "fired" as const, rule_id: "r", key: "k", value: 0.2, fired_at: T0, bucket: BUCKET };
  const resolved = { ...fired, kind: "resolved" as const, resolved_at: T0 + 60_000 };

  it.each([
    ["nothing", [], []],
    ["fired: firing", [fired], [["r", [["k", { fired_at: T0, bucket: BUCKET, value: 0.2, clears: 0 }]]]]],
    ["fired then resolved: not firing", [fired, resolved], [["r", []]]],
  ])("%s", (_name, transitions, expected) => {
    const state = restoreState(transitions);
    expect([...state].map(([id, keys]) => [id, [...keys]])).toEqual(expected);
  });

  it("the same state change has the same id; another key, kind, breach or split another", () => {
    const id = transitionMessageId(rule, fired);
    expect(id).toMatch(/^alert\.fired\.cdn_failures\.[0-9a-f]{32}$/);
    expect(transitionMessageId(rule, { ...fired, value: 0.9 })).toBe(id);
    const others = [
      transitionMessageId(rule, { ...fired, key: "k2" }),
      transitionMessageId(rule, resolved),
      transitionMessageId(rule, { ...fired, fired_at: T0 + 5 }),
      transitionMessageId({ ...rule, split_by: "country" }, fired),
    ];
    expect(new Set([id, ...others]).size).toBe(5);
  });
});
