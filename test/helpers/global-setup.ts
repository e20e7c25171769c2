// Brings "vitest" into the program so the augmentation below resolves (TS2664 without it).
import type {} from "vitest";
import type { TestProject } from "vitest/node";
import { useServers } from "./servers.ts";

declare module "vitest" {
  export interface ProvidedContext {
    natsUrl: string;
    clickhouseUrl: string;
  }
}

/**
 * Vitest globalSetup for the integration project: one nats-server and one clickhouse-server for
 * the whole run (or NATS_URL / CLICKHOUSE_URL when set), read in tests with `inject("natsUrl")`.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const servers = await useServers();
  project.provide("natsUrl", servers.natsUrl);
  project.provide("clickhouseUrl", servers.clickhouseUrl);
  return async function teardown(): Promise<void> {
    await servers[Symbol.asyncDispose]();
  };
}
