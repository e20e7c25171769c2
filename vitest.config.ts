import { defineConfig } from "vitest/config";

/**
 * The suites that hold the edge to one behaviour on every runtime: the integration-bun and
 * integration-deno projects run them again with the ingest and query roles on Bun or Deno
 * (test/helpers/edge-runtime.ts); the consumers stay on Node.
 */
const PARITY = [
  "test/integration/contract.test.ts",
  "test/integration/auth.test.ts",
  "test/integration/hostile.test.ts",
  "test/integration/tracing.test.ts",
];
const parity = (runtime: "bun" | "deno") => ({
  test: {
    name: `integration-${runtime}`,
    include: PARITY,
    globalSetup: ["test/helpers/global-setup.ts"],
    provide: { edgeRuntime: runtime },
    testTimeout: 60_000,
    hookTimeout: 90_000,
  },
});

/**
 * Test projects, all run by `npm test`:
 * - unit: next to the code, no servers;
 * - integration: against real nats-server and clickhouse-server (started once by the global setup);
 * - integration-bun, integration-deno: the parity suites with the edge on Bun and on Deno;
 * - browser: real headless Chromium (Debian's, through playwright-core) against real servers;
 * - fault: kills and restarts real servers and roles; each test starts its own.
 */
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["src/**/*.test.ts", "test/bench/**/*.test.ts", "test/lint/**/*.test.ts", "examples/*/*.test.ts"],
          testTimeout: 10_000,
        },
      },
      {
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.ts", "examples/*/test/*.test.ts"],
          globalSetup: ["test/helpers/global-setup.ts"],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      parity("bun"),
      parity("deno"),
      {
        test: {
          name: "browser",
          include: ["test/browser/**/*.test.ts"],
          globalSetup: ["test/helpers/global-setup.ts"],
          testTimeout: 120_000,
          hookTimeout: 60_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: "fault",
          include: ["test/fault/**/*.test.ts", "examples/*/test/fault/*.test.ts"],
          testTimeout: 240_000,
          hookTimeout: 60_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
