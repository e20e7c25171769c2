import { describe, expect, it } from "vitest";
import { parseConfigRules, parseRule, RuleError } from "./rule.ts";

const base = { id: "r1", metric: "failure_rate", threshold: 0.05, window_seconds: 300 };

describe("parseRule", () => {
  it("fills the defaults", () => {
    expect(parseRule(base, "api")).toEqual({
      ...base,
      comparison: ">",
      min_volume: 0,
      split_by: null,
      per_title: false,
      hysteresis: { ratio: 0.1, clear_evaluations: 2 },
      source: "api",
    });
  });

  it.each([
    ["the issue's first example", { ...base, min_volume: 200, split_by: "cdn" }],
    ["startup p95 > 4 s per country", { ...base, metric: "startup_p95_ms", threshold: 4000, split_by: "country" }],
    ["CCV dropped by 50 % in 2 min", { ...base, metric: "ccv_drop", threshold: 0.5, window_seconds: 120 }],
    ["per title", { ...base, split_by: "video_id" }],
    ["per title and CDN", { ...base, split_by: "cdn", per_title: true }],
  ])("accepts %s", (_name, input) => {
    expect(parseRule(input, "config").id).toBe("r1");
  });

  it.each<[string, unknown, string[]]>([
    ["nothing", {}, ["id: ", "metric: ", "threshold: ", "window_seconds: "]],
    ["an unknown metric and split", { ...base, metric: "joy", split_by: "mood" }, ["metric: ", "split_by: "]],
    ["an id with a space", { ...base, id: "a b" }, ["id: letters, digits, _ . - only"]],
    [
      "per title without a dimension",
      { ...base, per_title: true },
      ["per_title: per_title splits each title by a dimension: split_by must be cdn, country, device, …"],
    ],
    [
      "per title split by title",
      { ...base, split_by: "video_id", per_title: true },
      ["per_title: per_title splits each title by a dimension: split_by must be cdn, country, device, …"],
    ],
    ["an unknown field", { ...base, extra: 1 }, ["body: "]],
    [
      "ccv_drop split by cdn",
      { ...base, metric: "ccv_drop", split_by: "cdn" },
      ["split_by: ccv_drop is over all viewers: split_by must be null"],
    ],
    [
      "ccv_drop over 7 s",
      { ...base, metric: "ccv_drop", window_seconds: 7 },
      ["window_seconds: ccv_drop compares 5 s buckets: window_seconds must be a multiple of 5"],
    ],
    ["a hysteresis ratio over 1", { ...base, hysteresis: { ratio: 2 } }, ["hysteresis.ratio: "]],
  ])("refuses %s, naming each problem", (_name, input, starts) => {
    try {
      parseRule(input, "api");
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(RuleError);
      const problems = (err as RuleError).problems;
      expect(problems.length).toBe(starts.length);
      starts.forEach((s, i) => expect(problems[i]?.startsWith(s), `${problems[i]} starts with ${s}`).toBe(true));
    }
  });
});

describe("parseConfigRules", () => {
  it("reports every item's problems and duplicate ids at once", () => {
    expect(() => parseConfigRules([base, base, { ...base, id: "r2", threshold: -1 }])).toThrow(
      new RuleError([
        "PLAYPULSE_ALERT_RULES[2].threshold: Too small: expected number to be >=0",
        "PLAYPULSE_ALERT_RULES: duplicate ids r1",
      ]),
    );
  });
});
