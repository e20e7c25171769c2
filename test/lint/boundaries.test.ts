import { Linter } from "eslint";
import { describe, expect, it } from "vitest";

// eslint.config.js is plain JavaScript without types: load it by URL and name what it gives.
const CONFIG = new URL("../../eslint.config.js", import.meta.url).href;
const { boundaries } = (await import(CONFIG)) as { boundaries: Linter.Config[] };

/**
 * The lint rules that hold the architecture, applied to snippets at the paths they would live
 * at: each forbidden import or environment read is reported with its message, and the allowed
 * ones are not. (`npm run lint` applies the same configs to the tree.)
 */
const linter = new Linter({ configType: "flat" });
const config: Linter.Config[] = [{ files: ["**/*.ts"] }, ...boundaries];

function problems(file: string, code: string): string[] {
  return linter.verify(code, config, { filename: file }).map((m) => `${m.ruleId ?? "parse"}: ${m.message}`);
}

const IMPORT = "no-restricted-imports";
const layer = (spec: string, why: string) =>
  `${IMPORT}: '${spec}' import is restricted from being used by a pattern. ${why}`;

describe("layer boundaries", () => {
  it.each([
    ["src/events/types.ts", "../bus/index.ts", "events is the contract at the bottom: it imports nothing of ours"],
    [
      "src/config.ts",
      "./consumers/registry.ts",
      "config is read by every layer: it imports only keys/ and errors.ts, utilities below every layer (roles are listed in src/roles/names.ts)",
    ],
    [
      "src/config/keys.ts",
      "../bus/index.ts",
      "config is read by every layer: it imports only keys/ and errors.ts, utilities below every layer (roles are listed in src/roles/names.ts)",
    ],
    ["src/bus/publisher.ts", "../ingest/index.ts", "bus and store import only events, telemetry and errors.ts"],
    ["src/store/client.ts", "../query/index.ts", "bus and store import only events, telemetry and errors.ts"],
    [
      "src/telemetry/metrics.ts",
      "../consumers/registry.ts",
      "telemetry sits below the layers it observes: it never imports them",
    ],
    [
      "src/consumers/analytics/index.ts",
      "../content/index.ts",
      "a consumer never imports another consumer: share through bus, store or events",
    ],
    [
      "src/ingest/routes.ts",
      "../store/index.ts",
      "ingest never imports store: accepted events reach the store through the bus",
    ],
  ])("%s may not import %s", (file, spec, why) => {
    expect(problems(file, `import { x } from "${spec}";\nexport const y = x;\n`)).toEqual([layer(spec, why)]);
  });

  it.each([
    ["src/events/types.ts", "./fields.ts"],
    ["src/config.ts", "./keys/index.ts"],
    ["src/config.ts", "./config/schema.ts"],
    ["src/config/keys.ts", "../keys/index.ts"],
    ["src/config/build.ts", "./credentials.ts"],
    ["src/bus/publisher.ts", "../events/index.ts"],
    ["src/bus/publisher.ts", "../telemetry/messaging.ts"],
    ["src/store/client.ts", "../errors.ts"],
    ["src/consumers/analytics/index.ts", "../../bus/index.ts"],
    ["src/consumers/analytics/index.ts", "../definition.ts"],
    ["src/consumers/registry.ts", "./analytics/index.ts"],
    ["src/ingest/routes.ts", "../bus/index.ts"],
    ["src/main.ts", "./store/index.ts"],
    ["src/cli/serve.ts", "../consumers/registry.ts"],
  ])("%s may import %s", (file, spec) => {
    expect(problems(file, `import { x } from "${spec}";\nexport const y = x;\n`)).toEqual([]);
  });
});

describe("the environment is read in src/config.ts only", () => {
  const why = "read the environment through src/config.ts (loadConfig, processEnv, systemPath), nowhere else";
  it.each(["src/cli/up.ts", "src/bus/connect.ts", "src/config/schema.ts", "test/helpers/servers.ts"])(
    "%s may not read process.env",
    (file) => {
      expect(problems(file, "export const a = process.env.HOME;\nexport const b = process['env'];\n")).toEqual([
        `no-restricted-properties: 'process.env' is restricted from being used. ${why}`,
        `no-restricted-properties: 'process.env' is restricted from being used. ${why}`,
      ]);
    },
  );

  it("nor import env from node:process", () => {
    expect(problems("src/cli/up.ts", 'import { env } from "node:process";\nexport const a = env;\n')).toEqual([
      `${IMPORT}: 'env' import from 'node:process' is restricted. read the environment through src/config.ts, nowhere else`,
    ]);
  });

  it("src/config.ts may", () => {
    expect(problems("src/config.ts", "export const a = process.env;\n")).toEqual([]);
  });
});
