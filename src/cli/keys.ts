import { parseArgs } from "node:util";
import {
  createKey,
  isOrigin,
  isScope,
  SCOPE_MEANING,
  SCOPES,
  sha256Hex,
  SOURCE_PATTERN,
  type Scope,
} from "../keys/index.ts";

export const KEYS_HELP = `usage: playpulse keys create --source NAME --scopes SCOPE[,SCOPE...] [--origins ORIGIN[,ORIGIN...]]
       playpulse keys hash KEY

create   makes a new random key, prints it ONCE (Playpulse never stores it) and the line to add
         to PLAYPULSE_KEYS (source, scopes and the key's SHA-256; never the key itself).
hash     prints the sha256:<hex> of an existing key (to find or retire its line).

options:
  --source NAME     who holds the key: web, ios, pipeline, ops... (a-z 0-9 _ . -, up to 40);
                    shows in logs and metrics
  --scopes LIST     comma-separated, from:
${SCOPES.map((s) => `                      ${s.padEnd(13)} ${SCOPE_MEANING[s]}`).join("\n")}
  --origins LIST    publishable keys only: the exact origins (https://player.example) it is valid from
  -h, --help        this text

Rotation: a source may hold two keys at once. Create the new key, add its line next to the old
one, deploy, move clients to the new key, then delete the old line (docs/security.md#keys).

example:
  playpulse keys create --source web --scopes events:write`;

function fail(err: (s: string) => void, message: string): number {
  err(`playpulse keys: ${message}\n(run "playpulse keys --help")\n`);
  return 2;
}

/**
 * `playpulse keys create|hash`: new keys and their PLAYPULSE_KEYS lines.
 *
 * @example
 * await keysCommand(["create", "--source", "web", "--scopes", "events:write"]);
 */
export function keysCommand(
  args: readonly string[],
  out: (s: string) => void = (s) => process.stdout.write(s),
  err: (s: string) => void = (s) => process.stderr.write(s),
): number {
  const [sub, ...rest] = args;
  if (sub === "hash") {
    if (rest.length !== 1 || !rest[0]) return fail(err, "hash takes exactly one key");
    out(`sha256:${sha256Hex(rest[0])}\n`);
    return 0;
  }
  if (sub !== "create")
    return fail(err, sub === undefined ? "missing subcommand: create or hash" : `unknown subcommand "${sub}"`);
  const { values } = parseArgs({
    args: [...rest],
    options: { source: { type: "string" }, scopes: { type: "string" }, origins: { type: "string" } },
    strict: true,
  });
  const source = values.source ?? "";
  if (!SOURCE_PATTERN.test(source))
    return fail(err, `--source must be 1-40 of a-z 0-9 _ . - (got ${JSON.stringify(source)})`);
  const scopes = (values.scopes ?? "").split(",").filter((s) => s !== "");
  const unknown = scopes.filter((s) => !isScope(s));
  if (scopes.length === 0 || unknown.length > 0)
    return fail(
      err,
      `--scopes needs one or more of ${SCOPES.join(", ")}${unknown.length ? ` (unknown: ${unknown.join(", ")})` : ""}`,
    );
  const origins = (values.origins ?? "").split(",").filter((o) => o !== "");
  const publishable = scopes.includes("publishable");
  if (publishable && scopes.length > 1) return fail(err, "a publishable key has no other scope");
  if (publishable !== origins.length > 0)
    return fail(err, "--origins goes with the publishable scope, and only with it");
  const bad = origins.filter((o) => !isOrigin(o));
  if (bad.length > 0) return fail(err, `not an origin (scheme://host[:port]): ${bad.join(", ")}`);
  const { key, line } = createKey(source, scopes as Scope[], origins);
  out(`key (shown once; give it to ${source}, store it as a secret):\n  ${key}\n`);
  out(`line for PLAYPULSE_KEYS (one per line, or ;-separated):\n  ${line}\n`);
  return 0;
}
