import { describe, expect, it } from "vitest";
import type { AlertItem } from "../alert-types.ts";
import { resolved } from "./alerts.ts";

const fired: AlertItem = {
  id: "alert.fired.r1.0",
  type: "analytics.alert.fired",
  schema_version: 1,
  rule_id: "r1",
  key: { dimension: "cdn", value: "cdn-b" },
  metric: "failure_rate",
  value: 0.2,
  threshold: 0.05,
  comparison: ">",
  window_seconds: 300,
  state: "firing",
  fired_at: "2026-12-06T07:00:00.000Z",
};

describe("the Resolved column of an alert", () => {
  it("says firing, when it resolved, and why when its rule was deleted", () => {
    const at = "2026-12-06T07:05:00.000Z";
    const resolvedAlert = { ...fired, type: "analytics.alert.resolved", state: "resolved", resolved_at: at } as const;
    expect([
      resolved(fired),
      resolved(resolvedAlert),
      resolved({ ...resolvedAlert, value: null, reason: "rule_deleted" }),
    ]).toEqual(["firing", "2026-12-06 07:05:00 UTC", "2026-12-06 07:05:00 UTC (rule deleted)"]);
  });
});
