import { answerMessage, reasonOf, TargetError } from "./errors.ts";

/**
 * The few ClickHouse reads `--verify` and freshness sampling need, over plain HTTP with
 * TabSeparated output: no client library, so it runs on any runtime and reads a million ids
 * cheaply.
 */
export interface ClickHouseTarget {
  /** http(s)://host:port, maybe with user:password@ (sent as HTTP basic auth, as fetch wants). */
  url: string;
  database: string;
}

/** The URL without its credentials, and the basic-auth header they become. */
function request(target: ClickHouseTarget): { url: string; headers: Record<string, string> } {
  const u = new URL(target.url);
  if (u.username === "" && u.password === "") return { url: target.url, headers: {} };
  const user = `${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`;
  u.username = "";
  u.password = "";
  return {
    url: u.href.replace(/\/+$/, ""),
    headers: { authorization: `Basic ${Buffer.from(user).toString("base64")}` },
  };
}

/** `target.url` as it may be shown: the password replaced by `***`. */
export function shownUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/@:]*):[^/@]*@/i, "$1:***@");
}

/**
 * Tries per query. A read is safe to send again, and the first try can fail on a kept-alive
 * connection that ClickHouse closed meanwhile ("other side closed": it closes idle ones after its
 * keep_alive_timeout, 3 s by default), which the second sends on a new one.
 */
const TRIES = 2;

/** Runs `query` (a read); throws a TargetError (one line) when ClickHouse cannot be reached or refuses it. */
export async function chQuery(target: ClickHouseTarget, query: string, timeoutMs = 30_000): Promise<string[][]> {
  const { url, headers } = request(target);
  const signal = AbortSignal.timeout(timeoutMs);
  let res: Response | undefined;
  let text = "";
  for (let tried = 1; res === undefined; tried++) {
    try {
      const r = await fetch(`${url}/?database=${encodeURIComponent(target.database)}`, {
        method: "POST",
        headers,
        body: `${query} FORMAT TabSeparated`,
        signal,
      });
      text = await r.text();
      res = r;
    } catch (err: unknown) {
      // Past the timeout, or on the last try, it is an answer: ClickHouse cannot be read.
      if (signal.aborted || tried >= TRIES)
        throw new TargetError(`cannot read ClickHouse at ${shownUrl(target.url)}: ${reasonOf(err)}`, { cause: err });
    }
  }
  if (!res.ok) throw new TargetError(`ClickHouse answered ${res.status}: ${answerMessage(text)}`);
  return text
    .split("\n")
    .filter((l) => l.length > 0)
    .map((l) => l.split("\t"));
}

/** A SQL condition "column starts with prefix", for every ClickHouse version (no LIKE wildcards). */
export function startsWithSql(column: string, prefix: string): string {
  if (!/^[A-Za-z0-9._-]+$/.test(prefix)) throw new Error(`unsafe id prefix: ${prefix}`);
  return `substring(${column}, 1, ${prefix.length}) = '${prefix}'`;
}
