import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../config.ts";
import { expiredMonths, retentionRules } from "../store/index.ts";
import { telemetryPath } from "../telemetry/index.ts";
import { pseudonymize, userIdMapper } from "./index.ts";

const keys = { PLAYPULSE_WRITE_KEYS: "wk_1", PLAYPULSE_READ_KEYS: "rk_1" };
const PEPPER = "a-real-pepper-0123456789";

const problems = (env: Record<string, string>): string[] => {
  try {
    loadConfig({ ...keys, ...env }, ["ingest", "query"]);
    return [];
  } catch (err: unknown) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
};

describe("PLAYPULSE_USER_ID_HASH and its pepper", () => {
  const how = "(e.g. openssl rand -hex 32; keep it secret and never change it, see docs/privacy.md#pseudonymous-ids)";
  it.each([
    [
      { PLAYPULSE_USER_ID_HASH: "hmac" },
      [`PLAYPULSE_USER_ID_PEPPER: required when PLAYPULSE_USER_ID_HASH=hmac; set a secret ${how}`],
    ],
    [
      { PLAYPULSE_USER_ID_HASH: "hmac", PLAYPULSE_USER_ID_PEPPER: "short" },
      [`PLAYPULSE_USER_ID_PEPPER: at least 16 characters; set a longer secret ${how}`],
    ],
    [
      { PLAYPULSE_USER_ID_HASH: "hmac", PLAYPULSE_USER_ID_PEPPER: "replace-me-user-id-pepper" },
      [
        "PLAYPULSE_USER_ID_PEPPER: holds a placeholder value shipped as an example (such as replace-me-…); set a real secret (e.g. openssl rand -hex 32), see docs/deploy.md#secrets",
      ],
    ],
    [{ PLAYPULSE_USER_ID_HASH: "sha1" }, ['PLAYPULSE_USER_ID_HASH: Invalid option: expected one of "none"|"hmac"']],
    [{ PLAYPULSE_USER_ID_HASH: "hmac", PLAYPULSE_USER_ID_PEPPER: PEPPER }, []],
    [{}, []],
  ])("%j -> %j", (env, expected) => {
    expect(problems(env)).toEqual(expected);
  });
});

describe("pseudonymize", () => {
  const hmacConfig = loadConfig({ ...keys, PLAYPULSE_USER_ID_HASH: "hmac", PLAYPULSE_USER_ID_PEPPER: PEPPER });
  const plainConfig = loadConfig(keys);

  it("is the hex HMAC-SHA256 of the UTF-8 id under the pepper, the same every time", () => {
    for (const id of ["u1", "user-ü-7", ""]) {
      const expected = createHmac("sha256", PEPPER).update(id, "utf8").digest("hex");
      expect(pseudonymize(hmacConfig, id)).toBe(expected);
      expect(userIdMapper(hmacConfig)?.(id)).toBe(expected);
    }
    expect(pseudonymize(hmacConfig, "u1")).toMatch(/^[0-9a-f]{64}$/);
    expect(pseudonymize(hmacConfig, "u1")).not.toBe(pseudonymize(hmacConfig, "u2"));
  });

  it("leaves ids as sent without PLAYPULSE_USER_ID_HASH, and gives no mapper", () => {
    expect(pseudonymize(plainConfig, "u1")).toBe("u1");
    expect(userIdMapper(plainConfig)).toBeUndefined();
    expect(plainConfig.privacy).toEqual({ userIdHash: "none", pepper: undefined });
  });
});

describe("retention", () => {
  it("has defaults per table group, and 0 keeps rows forever", () => {
    const config = loadConfig({ ...keys, PLAYPULSE_RETENTION_QUARANTINE_DAYS: "0" });
    expect(config.retention).toEqual({ events: 395, recEvents: 395, rollups: 395, quarantine: 0, sweepMinutes: 60 });
    expect(retentionRules(config.retention).map((r) => [r.table, r.days, r.by.kind])).toEqual([
      ["events", 395, "month"],
      ["rec_events", 395, "month"],
      ["view_facts", 395, "month"],
      ["ccv_times", 395, "month"],
      ["ccv_views", 395, "column"],
      ["quarantine", 0, "month"],
    ]);
  });

  it("drops a month only when all of it (plus a day for the server's time zone) is older than the cutoff", () => {
    const cutoff = Date.UTC(2026, 5, 2) - 1; // just before 2026-06-02T00:00Z: May ended less than a day before
    expect(expiredMonths(["202604", "202605", "202606", "202512", "tuple()", "all"], cutoff)).toEqual([
      "202604",
      "202512",
    ]);
    expect(expiredMonths(["202605"], cutoff + 1)).toEqual(["202605"]);
  });
});

describe("telemetryPath", () => {
  it.each([
    ["/v1/users/alice/recommendations", "/v1/users/:user_id/recommendations"],
    ["/v1/users/alice", "/v1/users/:user_id"],
    ["/v1/events", "/v1/events"],
    ["/v1/videos/m1/stats", "/v1/videos/m1/stats"],
  ])("%s -> %s (no user id in a span or log line)", (path, kept) => {
    expect(telemetryPath(path)).toBe(kept);
  });
});
