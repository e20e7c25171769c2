import { chQuery, type ClickHouseTarget } from "./clickhouse-http.ts";
import { answerMessage, TargetError } from "./errors.ts";

/** What a 401 or 403 of the edge says: the write key is wrong (the run stops at the first one). */
export interface Refusal {
  status: number;
  message: string;
}

/** The one line for an edge that refused `--key`. */
export function writeKeyRefused(url: string, r: Refusal): TargetError {
  return new TargetError(
    `the edge at ${url} refused --key (${r.status} ${r.message}): pass a write key of the target ` +
      `(PLAYPULSE_WRITE_KEYS, or a PLAYPULSE_KEYS key with events:write)`,
  );
}

/** The one line for a query API that did not answer `GET path` with 200 for `--read-key`. */
export function queryApiRefused(url: string, path: string, status: number, body: string): TargetError {
  const said = `${status} ${answerMessage(body)}`;
  if (status === 401 || status === 403)
    return new TargetError(
      `the query API at ${url} refused --read-key (${said}): pass a read key of the target ` +
        `(PLAYPULSE_READ_KEYS, or a PLAYPULSE_KEYS key with stats:read)`,
    );
  if (status === 404)
    return new TargetError(
      `${url} does not serve the query API (GET ${path} answered ${said}): point --url at an edge that ` +
        `runs the query role, or leave out --read-key`,
    );
  return new TargetError(`the query API at ${url} answered GET ${path} with ${said}: check the target's logs`);
}

/** ClickHouse answers on the run's database, or a TargetError naming the flags to check. */
async function checkClickHouse(target: ClickHouseTarget): Promise<void> {
  try {
    await chQuery(target, "SELECT 1", 10_000);
  } catch (err: unknown) {
    if (!(err instanceof TargetError)) throw err;
    throw new TargetError(
      `${err.message} (check --clickhouse-url and --database: the pipeline's CLICKHOUSE_URL and CLICKHOUSE_DATABASE)`,
      { cause: err },
    );
  }
}

/**
 * The query API takes the read key. An edge that cannot be reached is left to the run, which
 * reports connection errors in its summary.
 */
async function checkReadKey(url: string, readKey: string, videoId: string): Promise<void> {
  const path = `/v1/videos/${encodeURIComponent(videoId)}/stats`;
  let status: number;
  let body: string;
  try {
    const res = await fetch(`${url}${path}`, {
      headers: { authorization: `Bearer ${readKey}` },
      signal: AbortSignal.timeout(10_000),
    });
    status = res.status;
    body = await res.text();
  } catch {
    return;
  }
  if (status !== 200) throw queryApiRefused(url, path, status, body);
}

/**
 * Checks, before any traffic, what freshness and `--verify` will need: ClickHouse answers on
 * `--database`, and the query API takes `--read-key`. A run of minutes should not end in an
 * error that one request could have found. Throws a TargetError.
 *
 * @example
 * await checkTargets(opts); // throws TargetError("ClickHouse answered 404: ... Database nosuchdb doesn't exist ...")
 */
export async function checkTargets(opts: {
  url: string;
  readKey: string | undefined;
  clickhouse: ClickHouseTarget | undefined;
  runId: string;
}): Promise<void> {
  if (opts.clickhouse) await checkClickHouse(opts.clickhouse);
  if (opts.readKey !== undefined) await checkReadKey(opts.url, opts.readKey, `${opts.runId}.check`);
}
