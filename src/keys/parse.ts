import { sha256, SOURCE_PATTERN, type KeyEntry } from "./entry.ts";
import { isScope, SCOPES, type Scope } from "./scopes.ts";

/** How many keys one source may hold at once: the current one and the next (rotation). */
export const KEYS_PER_SOURCE = 2;

const HASH = /^sha256:([0-9a-f]{64})$/;

/** True for `scheme://host[:port]` with http or https and nothing after it: what browsers send as `Origin`. */
export function isOrigin(s: string): boolean {
  try {
    const u = new URL(s);
    return (u.protocol === "http:" || u.protocol === "https:") && u.origin === s;
  } catch {
    return false;
  }
}

function parseScopes(raw: string, where: string, problems: string[]): Set<Scope> {
  const scopes = new Set<Scope>();
  for (const s of raw.split(",").filter((x) => x !== "")) {
    if (isScope(s)) scopes.add(s);
    else problems.push(`${where}: unknown scope ${JSON.stringify(s)}; scopes are ${SCOPES.join(", ")}`);
  }
  if (raw === "") problems.push(`${where}: no scopes`);
  if (scopes.has("publishable") && scopes.size > 1)
    problems.push(`${where}: a publishable key has no other scope (it may send play events only)`);
  return scopes;
}

function parseOrigins(raw: string | undefined, publishable: boolean, where: string, problems: string[]): Set<string> {
  const origins = (raw ?? "").split("|").filter((o) => o !== "");
  if (publishable && origins.length === 0)
    problems.push(`${where}: a publishable key needs its allowed origins, e.g. https://player.example`);
  if (!publishable && origins.length > 0) problems.push(`${where}: only publishable keys take origins`);
  const bad = origins.filter((o) => !isOrigin(o));
  if (bad.length > 0)
    problems.push(
      `${where}: ${bad.map((o) => JSON.stringify(o)).join(", ")} is not an origin such as https://site.example`,
    );
  return new Set(origins);
}

function parseEntry(line: string, where: string, problems: string[]): KeyEntry | undefined {
  const [source = "", scopes = "", hash = "", origins, ...rest] = line.split(/\s+/);
  const before = problems.length;
  if (!SOURCE_PATTERN.test(source))
    problems.push(
      `${where}: the source ${JSON.stringify(source)} must be 1-40 of a-z 0-9 _ . - (it labels logs and metrics)`,
    );
  const m = HASH.exec(hash);
  if (!m?.[1])
    problems.push(
      `${where}: the third field must be sha256:<64 hex digits> (the hash line of "playpulse keys create"; never the key itself)`,
    );
  if (rest.length > 0) problems.push(`${where}: too many fields; expected "<source> <scopes> sha256:<hex> [origins]"`);
  const parsed = parseScopes(scopes, where, problems);
  const allowed = parseOrigins(origins, parsed.has("publishable"), where, problems);
  if (problems.length > before || !m?.[1]) return undefined;
  return { source, scopes: parsed, hash: Buffer.from(m[1], "hex"), origins: allowed };
}

/**
 * `PLAYPULSE_KEYS`: one key per line (or `;`-separated), as `playpulse keys create` prints them:
 * `<source> <scope>[,<scope>...] sha256:<hex> [origin|origin...]`. At most two keys per source
 * (rotation). Problems are appended to `problems`.
 *
 * @example
 * parseKeys("web events:write sha256:" + "ab".repeat(32), []); // [{ source: "web", ... }]
 */
export function parseKeys(raw: string, problems: string[]): KeyEntry[] {
  const out: KeyEntry[] = [];
  const lines = raw
    .split(/[;\n]/)
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"));
  lines.forEach((line, i) => {
    const entry = parseEntry(line, `PLAYPULSE_KEYS entry ${i + 1}`, problems);
    if (entry) out.push(entry);
  });
  const perSource = new Map<string, number>();
  for (const e of out) perSource.set(e.source, (perSource.get(e.source) ?? 0) + 1);
  for (const [source, n] of perSource)
    if (n > KEYS_PER_SOURCE)
      problems.push(
        `PLAYPULSE_KEYS: source ${source} has ${n} keys; at most ${KEYS_PER_SOURCE} (the current and the next) live at once: remove the retired one`,
      );
  const hashes = new Set<string>();
  for (const e of out) {
    const h = e.hash.toString("hex");
    if (hashes.has(h)) problems.push(`PLAYPULSE_KEYS: the same key is listed twice (source ${e.source})`);
    hashes.add(h);
  }
  return out;
}

/** The shorthand lists (PLAYPULSE_WRITE_KEYS, _READ_KEYS, _PUBLISHABLE_KEYS) as key entries. */
export function shorthandEntries(keys: {
  write?: Iterable<string>;
  read?: Iterable<string>;
  publishable?: Iterable<[string, ReadonlySet<string>]>;
}): KeyEntry[] {
  const none: ReadonlySet<string> = new Set();
  const entry = (key: string, source: string, scopes: Scope[], origins = none): KeyEntry => ({
    source,
    scopes: new Set(scopes),
    hash: sha256(key),
    origins,
  });
  return [
    // Shorthand write keys are trusted servers' keys: play events and catalog events, as before scopes existed.
    ...[...(keys.write ?? [])].map((k) => entry(k, "write", ["events:write", "catalog"])),
    ...[...(keys.read ?? [])].map((k) => entry(k, "read", ["stats:read"])),
    ...[...(keys.publishable ?? [])].map(([k, o]) => entry(k, "publishable", ["publishable"], o)),
  ];
}
