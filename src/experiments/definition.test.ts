import { describe, expect, it } from "vitest";
import { DefinitionError, parseConfigDefinitions, parseDefinition } from "./definition.ts";

const ok = {
  id: "exp_abr",
  variants: [
    { name: "control", weight: 50 },
    { name: "fast", weight: 50 },
  ],
  primary_metric: "completion_rate",
  guardrails: ["rebuffer_ratio"],
  started_at: "2026-01-01T00:00:00Z",
};

describe("experiment definitions", () => {
  it("parses a definition and fills defaults", () => {
    expect(parseDefinition({ ...ok, guardrails: undefined }, "api")).toEqual({
      ...ok,
      guardrails: [],
      started_at: Date.parse("2026-01-01T00:00:00Z"),
      planned_views: 20_000,
      source: "api",
    });
  });

  it.each([
    [{ ...ok, variants: [{ name: "control", weight: 1 }] }, "variants: Too small: expected array to have >=2 items"],
    [{ ...ok, primary_metric: "fun" }, "primary_metric: Invalid option"],
    [{ ...ok, variants: [ok.variants[0], ok.variants[0]] }, "variants: variant names must be unique"],
    [{ ...ok, started_at: "yesterday" }, "started_at"],
    [
      {
        ...ok,
        variants: [
          { name: "a", weight: 0 },
          { name: "b", weight: 1 },
        ],
      },
      "variants.0.weight",
    ],
    [{ ...ok, extra: 1 }, "body: Unrecognized key"],
  ])("refuses %j with a reason", (input, reason) => {
    expect(() => parseDefinition(input, "api")).toThrow(DefinitionError);
    try {
      parseDefinition(input, "api");
    } catch (err) {
      expect((err as DefinitionError).message).toContain(reason);
    }
  });

  it("reports every problem of PLAYPULSE_EXPERIMENTS at once", () => {
    try {
      parseConfigDefinitions([ok, { ...ok, primary_metric: "x" }, ok]);
      expect.unreachable();
    } catch (err) {
      const problems = (err as DefinitionError).problems;
      expect(problems).toHaveLength(2);
      expect(problems[0]).toMatch(/^PLAYPULSE_EXPERIMENTS\[1\]\.primary_metric: /);
      expect(problems[1]).toBe("PLAYPULSE_EXPERIMENTS: duplicate ids exp_abr");
    }
  });
});
