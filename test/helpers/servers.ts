import { processEnv } from "../../src/config.ts";
import { startClickHouse } from "../../src/local-servers/index.ts";
import { startNats } from "../../src/local-servers/index.ts";

export interface Servers extends AsyncDisposable {
  natsUrl: string;
  clickhouseUrl: string;
}

interface ServerRef extends AsyncDisposable {
  url: string;
}

/**
 * The servers a test run talks to: `NATS_URL` and `CLICKHOUSE_URL` from `env` when set (nothing
 * started, nothing stopped), otherwise a nats-server and a clickhouse-server started here and
 * stopped on dispose.
 *
 * @example
 * await using servers = await useServers();
 * const nc = await connect({ servers: servers.natsUrl });
 */
export async function useServers(env: Record<string, string | undefined> = processEnv()): Promise<Servers> {
  const givenNats = nonEmpty(env["NATS_URL"]);
  const givenClickHouse = nonEmpty(env["CLICKHOUSE_URL"]);
  const [nats, clickhouse] = await Promise.allSettled([
    givenNats === undefined ? startNats() : reuse(givenNats),
    givenClickHouse === undefined ? startClickHouse() : reuse(givenClickHouse),
  ]);
  const started = [nats, clickhouse].flatMap((result) => (result.status === "fulfilled" ? [result.value] : []));

  async function dispose(): Promise<void> {
    const failures = rejections(await Promise.allSettled(started.map((server) => server[Symbol.asyncDispose]())));
    if (failures.length > 0) throw new AggregateError(failures, "useServers: stopping the servers failed");
  }

  if (nats.status === "rejected" || clickhouse.status === "rejected") {
    await dispose();
    const failures = rejections([nats, clickhouse]);
    throw new AggregateError(failures, `useServers: could not start the servers: ${failures.map(message).join("; ")}`);
  }
  return { natsUrl: nats.value.url, clickhouseUrl: clickhouse.value.url, [Symbol.asyncDispose]: dispose };
}

/** A server someone else runs: used as it is, never stopped. */
function reuse(url: string): Promise<ServerRef> {
  return Promise.resolve({ url, [Symbol.asyncDispose]: () => Promise.resolve() });
}

function rejections(results: readonly PromiseSettledResult<unknown>[]): unknown[] {
  return results.flatMap((result) => (result.status === "rejected" ? [result.reason as unknown] : []));
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
