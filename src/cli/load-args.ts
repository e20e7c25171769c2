import { parseArgs } from "node:util";
import { shownUrl, type LoadMode, type LoadOptions } from "../load/index.ts";
import { UsageError } from "./usage.ts";

/** "30s", "2m", "1500ms", "1h" or plain seconds, to milliseconds. */
export function parseDuration(raw: string, what: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(raw.trim());
  if (!m?.[1]) throw new UsageError(`${what}: expected a duration like 30s, 2m or 500ms, got "${raw}"`);
  const n = Number(m[1]);
  const unit = m[2] ?? "s";
  const ms = unit === "ms" ? n : unit === "s" ? n * 1000 : unit === "m" ? n * 60_000 : n * 3600_000;
  if (ms <= 0) throw new UsageError(`${what}: must be positive, got "${raw}"`);
  return Math.round(ms);
}

/** A positive integer, accepting 10k / 1.5m / 10_000. */
export function parseCount(raw: string, what: string, min = 1): number {
  const m = /^(\d+(?:\.\d+)?)([km])?$/i.exec(raw.replaceAll("_", "").trim());
  if (!m?.[1]) throw new UsageError(`${what}: expected a number like 5000, 10k or 1m, got "${raw}"`);
  const mult = m[2]?.toLowerCase() === "k" ? 1000 : m[2]?.toLowerCase() === "m" ? 1_000_000 : 1;
  const n = Math.round(Number(m[1]) * mult);
  if (n < min) throw new UsageError(`${what}: must be at least ${min}, got "${raw}"`);
  return n;
}

/** How a character a key may not hold reads in a message (the key itself is a secret: never echoed). */
function describeChar(c: string): string {
  const names: Record<string, string> = { "\n": "a newline", "\r": "a carriage return", "\t": "a tab", " ": "a space" };
  const code = `U+${(c.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, "0")}`;
  return names[c] ?? (c < " " || c === "\x7f" ? `a control character (${code})` : `"${c}" (${code})`);
}

/**
 * A key as `Authorization: Bearer <key>` can carry it: printable ASCII without spaces, as
 * `playpulse keys create` prints them. Anything else could never match a configured key, and a
 * newline would break the request.
 */
export function checkKey(raw: string, flag: string, what: string): string {
  if (raw === "") throw new UsageError(`${flag}: empty; give ${what}`);
  if (/^Bearer\s/i.test(raw)) throw new UsageError(`${flag}: give the key alone, without "Bearer "`);
  if (/\ssha256:[0-9a-f]{64}\b/.test(raw))
    throw new UsageError(
      `${flag}: that is a PLAYPULSE_KEYS line (the key's hash); give the key itself, as "playpulse keys create" printed it`,
    );
  const at = [...raw].findIndex((c) => c < "!" || c > "~");
  if (at >= 0) {
    const c = [...raw][at] ?? "";
    throw new UsageError(
      `${flag}: character ${at + 1} is ${describeChar(c)}; a key is printable ASCII without spaces (look for a stray newline or quote)`,
    );
  }
  return raw;
}

/** --clickhouse-url: http(s)://host:port of ClickHouse's HTTP interface, maybe user:password@, no query. */
export function checkClickHouseUrl(raw: string): string {
  const wrong = new UsageError(
    `--clickhouse-url: expected ClickHouse's HTTP interface as http://host:port (e.g. http://127.0.0.1:8123), got "${shownUrl(raw)}"`,
  );
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw wrong;
  }
  if ((u.protocol !== "http:" && u.protocol !== "https:") || u.hostname === "" || u.search !== "" || u.hash !== "")
    throw wrong;
  return raw.replace(/\/+$/, "");
}

/** A non-negative decimal such as 1, 0.8 or 1.2 (the Zipf exponent). */
export function parseExponent(raw: string, what: string): number {
  if (!/^\d+(?:\.\d+)?$/.test(raw.trim()))
    throw new UsageError(`${what}: expected a number of 0 or more like 1 or 0.8, got "${raw}"`);
  return Number(raw);
}

function randomRunId(): string {
  return `ld${Date.now().toString(36)}${Math.floor(Math.random() * 36 ** 4)
    .toString(36)
    .padStart(4, "0")}`;
}

/** The flags of `playpulse load` (LOAD_HELP in load.ts explains them). */
const LOAD_FLAGS = {
  url: { type: "string" },
  key: { type: "string" },
  "read-key": { type: "string" },
  "clickhouse-url": { type: "string" },
  database: { type: "string" },
  rate: { type: "string" },
  concurrency: { type: "string" },
  batch: { type: "string" },
  ndjson: { type: "boolean" },
  duration: { type: "string" },
  events: { type: "string" },
  connections: { type: "string" },
  titles: { type: "string" },
  zipf: { type: "string" },
  viewers: { type: "string" },
  heartbeat: { type: "string" },
  seed: { type: "string" },
  "run-id": { type: "string" },
  timeout: { type: "string" },
  retries: { type: "string" },
  "no-catalog": { type: "boolean" },
  freshness: { type: "string" },
  verify: { type: "boolean" },
  "verify-timeout": { type: "string" },
  json: { type: "boolean" },
  quiet: { type: "boolean" },
  announce: { type: "boolean" },
} as const;

type LoadFlags = ReturnType<typeof parseArgs<{ options: typeof LOAD_FLAGS; strict: true }>>["values"];

/** The open (--rate) or the closed (--concurrency) model. */
function loadMode(values: LoadFlags): LoadMode {
  return values.rate !== undefined
    ? { kind: "rate", eventsPerSecond: parseCount(values.rate, "--rate") }
    : { kind: "concurrency", workers: parseCount(values.concurrency ?? "32", "--concurrency") };
}

/** --clickhouse-url with --database (both or neither), and what --verify can check with. */
function clickhouseTarget(values: LoadFlags): LoadOptions["clickhouse"] {
  const chUrl = values["clickhouse-url"];
  const database = values.database;
  if ((chUrl === undefined) !== (database === undefined))
    throw new UsageError("--clickhouse-url and --database go together");
  if (database !== undefined && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(database))
    throw new UsageError(`--database: not a database name: "${database}"`);
  const clickhouse =
    chUrl !== undefined && database !== undefined ? { url: checkClickHouseUrl(chUrl), database } : undefined;
  if (values.verify && !clickhouse && !values["read-key"]) {
    throw new UsageError(
      "--verify needs --clickhouse-url and --database (ids and aggregates) or --read-key (aggregates through the query API)",
    );
  }
  return clickhouse;
}

/** --url (plain http://host:port) and --run-id, checked. */
function urlAndRunId(values: LoadFlags): { url: string; runId: string } {
  const runId = values["run-id"] ?? randomRunId();
  if (!/^[A-Za-z0-9-]{1,40}$/.test(runId))
    throw new UsageError(`--run-id: 1-40 characters of A-Z a-z 0-9 -, got "${runId}"`);
  const url = (values.url ?? "http://127.0.0.1:8080").replace(/\/+$/, "");
  const wrong = new UsageError(`--url: expected http://host:port (plain HTTP, no path), got "${url}"`);
  if (!/^http:\/\/[^/]+$/.test(url)) throw wrong;
  try {
    const u = new URL(url);
    if (u.hostname === "" || u.username !== "" || u.password !== "" || u.search !== "" || u.hash !== "") throw wrong;
  } catch {
    throw wrong;
  }
  return { url, runId };
}

/** Parses `playpulse load` arguments. Every problem is a UsageError naming the flag. */
export function parseLoadArgs(args: readonly string[]): LoadOptions {
  const { values, positionals } = parseArgs({
    args: [...args],
    strict: true,
    allowPositionals: true,
    options: LOAD_FLAGS,
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  if (values.rate !== undefined && values.concurrency !== undefined)
    throw new UsageError("--rate and --concurrency are exclusive: pick the open or the closed model");
  if (!values.key) throw new UsageError("--key: a write key is required (PLAYPULSE_WRITE_KEYS of the target)");
  const key = checkKey(values.key, "--key", "a write key (PLAYPULSE_WRITE_KEYS of the target)");
  const readKey =
    values["read-key"] === undefined
      ? undefined
      : checkKey(values["read-key"], "--read-key", "a read key (PLAYPULSE_READ_KEYS of the target), or leave it out");
  const mode = loadMode(values);
  const clickhouse = clickhouseTarget(values);
  const durationMs = values.duration !== undefined ? parseDuration(values.duration, "--duration") : undefined;
  const events = values.events !== undefined ? parseCount(values.events, "--events") : undefined;
  const batch = parseCount(values.batch ?? "1", "--batch");
  const { url, runId } = urlAndRunId(values);
  return {
    url,
    key,
    readKey,
    clickhouse,
    mode,
    batch,
    format: values.ndjson ? "ndjson" : "json",
    durationMs: durationMs ?? (events === undefined ? 30_000 : undefined),
    events,
    connections: parseCount(
      values.connections ?? String(mode.kind === "concurrency" ? mode.workers : 64),
      "--connections",
    ),
    titles: parseCount(values.titles ?? "1000", "--titles"),
    zipf: parseExponent(values.zipf ?? "1", "--zipf"),
    viewers: parseCount(values.viewers ?? "2000", "--viewers"),
    heartbeatMs: parseDuration(values.heartbeat ?? "30s", "--heartbeat"),
    seed: parseCount(values.seed ?? "1", "--seed", 0),
    runId,
    timeoutMs: parseDuration(values.timeout ?? "10s", "--timeout"),
    retries: parseCount(values.retries ?? "3", "--retries", 0),
    catalog: !values["no-catalog"],
    freshnessEveryMs: values.freshness === "off" ? 0 : parseDuration(values.freshness ?? "1s", "--freshness"),
    verify: values.verify ?? false,
    verifyTimeoutMs: parseDuration(values["verify-timeout"] ?? "60s", "--verify-timeout"),
    json: values.json ?? false,
    progress: values.quiet ? "off" : "auto",
    announce: values.announce ?? false,
  };
}
