import { isOrigin, parseKeys, type KeyEntry, type Scope } from "../keys/index.ts";
import { list } from "./schema.ts";

type Env = Record<string, string | undefined>;

/** The keys checked beside the schema: scoped keys (PLAYPULSE_KEYS) and publishable keys with their origins. */
export interface ConfiguredKeys {
  scoped: KeyEntry[];
  publishable: Map<string, ReadonlySet<string>>;
}

/**
 * The key variables, checked together: the roles' needs (`ingest` a write key, `query` a read
 * key), no key in two lists, and PLAYPULSE_PUBLISHABLE_KEYS's origins. They read the raw
 * variables, so they are reported together with any schema problem. Problems are appended.
 */
export function checkKeys(env: Env, roles: readonly string[], problems: string[]): ConfiguredKeys {
  const writeKeys = list.parse(env.PLAYPULSE_WRITE_KEYS);
  const readKeys = list.parse(env.PLAYPULSE_READ_KEYS);
  const scoped = parseKeys(env.PLAYPULSE_KEYS ?? "", problems);
  const scopedWith = (...scopes: Scope[]) => scoped.some((k) => scopes.some((s) => k.scopes.has(s)));
  if (roles.includes("ingest") && writeKeys.length === 0 && !scopedWith("events:write", "catalog", "publishable")) {
    problems.push(
      "PLAYPULSE_WRITE_KEYS: the ingest role needs at least one write key (comma-separated), or a PLAYPULSE_KEYS key with events:write",
    );
  }
  if (roles.includes("query") && readKeys.length === 0 && !scopedWith("stats:read")) {
    problems.push(
      "PLAYPULSE_READ_KEYS: the query role needs at least one read key (comma-separated), or a PLAYPULSE_KEYS key with stats:read",
    );
  }
  const both = writeKeys.filter((k) => readKeys.includes(k));
  if (both.length > 0) problems.push("PLAYPULSE_WRITE_KEYS and PLAYPULSE_READ_KEYS must not share keys");
  const publishable = parsePublishableKeys(env.PLAYPULSE_PUBLISHABLE_KEYS ?? "", problems);
  if ([...publishable.keys()].some((k) => writeKeys.includes(k) || readKeys.includes(k))) {
    problems.push("PLAYPULSE_PUBLISHABLE_KEYS must not share keys with PLAYPULSE_WRITE_KEYS or PLAYPULSE_READ_KEYS");
  }
  return { scoped, publishable };
}

/**
 * `PLAYPULSE_PUBLISHABLE_KEYS`: comma-separated `key=origin|origin...` entries. Each origin is exactly
 * what a browser sends in `Origin` (`https://shop.example`, `http://localhost:3000`: no path, no
 * trailing slash). Problems are appended to `problems`.
 */
function parsePublishableKeys(raw: string, problems: string[]): Map<string, ReadonlySet<string>> {
  const keys = new Map<string, ReadonlySet<string>>();
  const where = "PLAYPULSE_PUBLISHABLE_KEYS";
  for (const entry of raw.split(",").map((e) => e.trim())) {
    if (entry === "") continue;
    const eq = entry.indexOf("=");
    const key = eq < 0 ? entry : entry.slice(0, eq).trim();
    const origins =
      eq < 0
        ? []
        : entry
            .slice(eq + 1)
            .split("|")
            .map((o) => o.trim())
            .filter((o) => o !== "");
    if (!/^[A-Za-z0-9_.:-]+$/.test(key)) {
      problems.push(`${where}: key names may hold A-Z a-z 0-9 _ . : - only (entry ${keys.size + 1})`);
      continue;
    }
    if (origins.length === 0)
      problems.push(`${where}: key ${key} needs its allowed origins: ${key}=https://site.example`);
    const bad = origins.filter((o) => !isOrigin(o));
    if (bad.length > 0) {
      problems.push(
        `${where}: ${bad.map((o) => JSON.stringify(o)).join(", ")} is not an origin such as https://site.example (scheme, host, optional port; no path)`,
      );
    }
    if (keys.has(key)) problems.push(`${where}: key ${key} is listed twice`);
    keys.set(key, new Set(origins));
  }
  return keys;
}
