import { checkKeys } from "./config/keys.ts";
import { natsAuthOf, pepperProblems, placeholderProblems, webhookProblems } from "./config/credentials.ts";
import { hasRegions, packsOf, toConfig } from "./config/build.ts";
import { schema, type ParsedEnv } from "./config/schema.ts";
import { ConfigError, type Config } from "./config/types.ts";

/*
 * loadConfig's pieces live in src/config/: the schema table (schema.ts), the key checks
 * (keys.ts), the credentials (credentials.ts), the Config shape (types.ts) and the mapping to it
 * (build.ts). None of them reads the environment; this file does, and is their one public face.
 */
export { ConfigError } from "./config/types.ts";
export type { Config, NatsAuth, RetentionDays } from "./config/types.ts";

/**
 * The one reader of the environment. Every problem is reported at once. `roles` names the roles
 * the caller will run (src/roles/names.ts lists them; config imports no layer above it): a
 * process with `ingest` needs write keys, one with `query` read keys.
 *
 * @example
 * const config = loadConfig({ PLAYPULSE_WRITE_KEYS: "wk_1", PLAYPULSE_READ_KEYS: "rk_1" });
 */
export function loadConfig(
  env: Record<string, string | undefined> = process.env,
  roles: readonly string[] = [],
): Config {
  const parsed = schema.safeParse(env);
  const problems: string[] = parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
  const keys = checkKeys(env, roles, problems);
  const experiments = parseJsonArray("PLAYPULSE_EXPERIMENTS", env.PLAYPULSE_EXPERIMENTS, problems);
  const alertRules = parseJsonArray(
    "PLAYPULSE_ALERT_RULES",
    env.PLAYPULSE_ALERT_RULES,
    problems,
    "alert rules (docs/alerts.md)",
  );
  problems.push(...placeholderProblems(env), ...webhookProblems(env), ...pepperProblems(env));
  if (parsed.success) problems.push(...packProblems(parsed.data));
  const natsAuth = natsAuthOf(env, problems);
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);
  return toConfig(parsed.data, { ...keys, experiments, alertRules, natsAuth });
}

/**
 * Packs and regions together: an erasure rewrites a pack in the analytics region's stream, whose
 * messages are sourced from the regions' streams, so it cannot (docs/erasure.md#packed-messages).
 * Unset, packs are on without regions and off with them (packsOf).
 */
function packProblems(e: ParsedEnv) {
  if (e.PLAYPULSE_PACK_ACROSS_REQUESTS && !packsOf(e))
    return [
      e.PLAYPULSE_PACK_EVENTS === false
        ? "PLAYPULSE_PACK_ACROSS_REQUESTS: needs packs, and PLAYPULSE_PACK_EVENTS is off (requests share packed messages only when packs are on); unset one of them"
        : "PLAYPULSE_PACK_ACROSS_REQUESTS: needs packs, which are off with regions (PLAYPULSE_REGION or PLAYPULSE_SOURCE_REGIONS set); unset it",
    ];
  if (e.PLAYPULSE_PACK_EVENTS !== true || !hasRegions(e)) return [];
  return [
    "PLAYPULSE_PACK_EVENTS: not supported with regions (PLAYPULSE_REGION or PLAYPULSE_SOURCE_REGIONS set): an erasure cannot rewrite a pack sourced from a region's stream; unset one of them",
  ];
}

/** A JSON array from one variable (empty when unset). */
function parseJsonArray(
  name: string,
  raw: string | undefined,
  problems: string[],
  what = "experiment definitions (docs/experiments.md)",
): unknown[] {
  if (raw === undefined || raw.trim() === "") return [];
  try {
    const v: unknown = JSON.parse(raw);
    if (Array.isArray(v)) return v as unknown[];
  } catch {
    // reported below
  }
  problems.push(`${name}: must be a JSON array of ${what}`);
  return [];
}

/** The process environment, for commands that layer their own settings over it (`playpulse up`). */
export function processEnv(): Record<string, string | undefined> {
  return process.env;
}

/** The executable search path, for finding nats-server and clickhouse-server (`playpulse up`, tests). */
export function systemPath(env: Record<string, string | undefined> = process.env): string {
  return env.PATH ?? "";
}
