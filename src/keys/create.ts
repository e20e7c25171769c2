import { randomBytes } from "node:crypto";
import { sha256Hex } from "./entry.ts";
import type { Scope } from "./scopes.ts";

export interface NewKey {
  /** The key: shown once, never stored by Playpulse. */
  key: string;
  /** The line for PLAYPULSE_KEYS. */
  line: string;
}

const PREFIX: Partial<Record<Scope, string>> = {
  publishable: "pk",
  admin: "ak",
  "stats:read": "rk",
  catalog: "ck",
  "events:write": "wk",
};

/**
 * A new random key (192 bits) and its PLAYPULSE_KEYS line. The prefix says the key's main scope
 * so a leaked key is recognisable; it carries no authority.
 *
 * @example
 * const { key, line } = createKey("web", ["events:write"]);
 * // key "wk_3f…", line "web events:write sha256:9a…"
 */
export function createKey(source: string, scopes: readonly Scope[], origins: readonly string[] = []): NewKey {
  const main = (["publishable", "admin", "catalog", "events:write", "stats:read"] as const).find((s) =>
    scopes.includes(s),
  );
  const key = `${PREFIX[main ?? "events:write"] ?? "kk"}_${randomBytes(24).toString("hex")}`;
  const tail = origins.length > 0 ? ` ${origins.join("|")}` : "";
  return { key, line: `${source} ${[...new Set(scopes)].join(",")} sha256:${sha256Hex(key)}${tail}` };
}
