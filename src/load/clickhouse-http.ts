/**
 * The few ClickHouse reads `--verify` and freshness sampling need, over plain HTTP with
 * TabSeparated output: no client library, so it runs on any runtime and reads a million ids
 * cheaply.
 */
export interface ClickHouseTarget {
  url: string;
  database: string;
}

export async function chQuery(target: ClickHouseTarget, query: string, timeoutMs = 30_000): Promise<string[][]> {
  const res = await fetch(`${target.url}/?database=${encodeURIComponent(target.database)}`, {
    method: "POST",
    body: `${query} FORMAT TabSeparated`,
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`ClickHouse answered ${res.status}: ${text.slice(0, 300)}`);
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
