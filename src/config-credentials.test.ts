import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "./config.ts";

const problems = (env: Record<string, string>): string[] => {
  try {
    loadConfig(env, ["ingest", "query"]);
    return [];
  } catch (err: unknown) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
};
const keys = { PLAYPULSE_WRITE_KEYS: "wk_1", PLAYPULSE_READ_KEYS: "rk_1" };

describe("placeholder secrets", () => {
  it.each([
    ["PLAYPULSE_WRITE_KEYS", { ...keys, PLAYPULSE_WRITE_KEYS: "wk_1,replace-me-write-key" }],
    ["PLAYPULSE_READ_KEYS", { ...keys, PLAYPULSE_READ_KEYS: "REPLACE_ME" }],
    ["NATS_PASSWORD", { ...keys, NATS_USER: "edge", NATS_PASSWORD: "changeme" }],
    ["CLICKHOUSE_PASSWORD", { ...keys, CLICKHOUSE_PASSWORD: "replace-me-clickhouse-password" }],
    ["CLICKHOUSE_URL", { ...keys, CLICKHOUSE_URL: "http://playpulse:replace-me-clickhouse-password@clickhouse:8123" }],
    ["PLAYPULSE_PUBLISHABLE_KEYS", { ...keys, PLAYPULSE_PUBLISHABLE_KEYS: "replace-me=https://a.example" }],
  ])("refuses a placeholder in %s, naming it and saying what to do", (name, env) => {
    expect(problems(env)).toEqual([
      `${name}: holds a placeholder value shipped as an example (such as replace-me-…); set a real secret (e.g. openssl rand -hex 32), see docs/deploy.md#secrets`,
    ]);
  });

  it("accepts real values, and the dev overlay's dev-only ones", () => {
    expect(problems({ PLAYPULSE_WRITE_KEYS: "dev-write-key", PLAYPULSE_READ_KEYS: "dev-read-key" })).toEqual([]);
    expect(problems({ ...keys, NATS_USER: "edge", NATS_PASSWORD: "3f9a0c1d", CLICKHOUSE_PASSWORD: "e1b2" })).toEqual(
      [],
    );
  });
});

describe("credentials", () => {
  it("puts CLICKHOUSE_USER and CLICKHOUSE_PASSWORD into the URL, encoded", () => {
    const config = loadConfig({
      CLICKHOUSE_URL: "http://ch:8123",
      CLICKHOUSE_USER: "playpulse_reader",
      CLICKHOUSE_PASSWORD: "a/b@c",
    });
    expect(config.clickhouse.url).toBe("http://playpulse_reader:a%2Fb%40c@ch:8123");
    expect(loadConfig({ CLICKHOUSE_URL: "http://u:p@ch:8123" }).clickhouse.url).toBe("http://u:p@ch:8123");
  });

  it.each([
    [{}, { kind: "none" }],
    [
      { NATS_USER: "edge", NATS_PASSWORD: "p1" },
      { kind: "password", user: "edge", password: "p1" },
    ],
    [{ NATS_CREDS: "/run/nats/edge.creds" }, { kind: "creds", file: "/run/nats/edge.creds" }],
    [{ NATS_NKEY: "/run/nats/edge.nk" }, { kind: "nkey", seedFile: "/run/nats/edge.nk" }],
  ])("reads NATS credentials %o", (env, auth) => {
    expect(loadConfig(env).natsAuth).toEqual(auth);
  });

  it("refuses two kinds of NATS credentials, or a user without a password", () => {
    expect(() => loadConfig({ NATS_CREDS: "/a", NATS_USER: "u", NATS_PASSWORD: "p" })).toThrow(
      /one kind of NATS credentials/,
    );
    expect(() => loadConfig({ NATS_USER: "u" })).toThrow(/NATS_USER and NATS_PASSWORD: give both or neither/);
  });

  it("reads the cluster and the provisioning switch", () => {
    expect(loadConfig({}).clickhouse.cluster).toBeUndefined();
    expect(loadConfig({ PLAYPULSE_CLICKHOUSE_CLUSTER: "playpulse" }).clickhouse.cluster).toBe("playpulse");
    expect(loadConfig({}).provision).toBe(true);
    expect(loadConfig({ PLAYPULSE_PROVISION: "false" }).provision).toBe(false);
  });
});
