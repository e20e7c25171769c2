import type { NatsAuth } from "./types.ts";

type Env = Record<string, string | undefined>;

/**
 * Values shipped as examples that must never run anywhere: `replace-me-…` and friends. Every
 * credential and key variable is checked, and a URL's password too.
 */
const PLACEHOLDER = /^(replace[-_]?me.*|change[-_]?me.*|changeit|placeholder|secret|password|todo|xxx+)$/i;
const SECRET_VARIABLES = [
  "PLAYPULSE_WRITE_KEYS",
  "PLAYPULSE_READ_KEYS",
  "PLAYPULSE_PUBLISHABLE_KEYS",
  "NATS_PASSWORD",
  "CLICKHOUSE_PASSWORD",
  "PLAYPULSE_WEBHOOK_SECRET",
  "PLAYPULSE_USER_ID_PEPPER",
] as const;

export function placeholderProblems(env: Env): string[] {
  const values = (name: string): string[] => {
    const raw = env[name] ?? "";
    if (name === "PLAYPULSE_PUBLISHABLE_KEYS") return raw.split(",").map((e) => e.split("=")[0]?.trim() ?? "");
    return name.endsWith("_KEYS") ? raw.split(",").map((k) => k.trim()) : [raw];
  };
  const found: string[] = SECRET_VARIABLES.filter((name) => values(name).some((v) => PLACEHOLDER.test(v.trim())));
  const urlPassword = urlPasswordOf(env.CLICKHOUSE_URL);
  if (urlPassword !== undefined && PLACEHOLDER.test(urlPassword)) found.push("CLICKHOUSE_URL");
  return found.map(
    (name) =>
      `${name}: holds a placeholder value shipped as an example (such as replace-me-…); ` +
      "set a real secret (e.g. openssl rand -hex 32), see docs/deploy.md#secrets",
  );
}

/** Webhook URLs need the secret their deliveries are signed with. */
export function webhookProblems(env: Env): string[] {
  if ((env.PLAYPULSE_WEBHOOK_URLS ?? "").trim() === "" || (env.PLAYPULSE_WEBHOOK_SECRET ?? "") !== "") return [];
  return [
    "PLAYPULSE_WEBHOOK_SECRET: required with PLAYPULSE_WEBHOOK_URLS, to sign deliveries (at least 16 characters, " +
      "e.g. openssl rand -hex 32; receivers verify with it, see docs/webhooks.md)",
  ];
}

/** The pepper PLAYPULSE_USER_ID_HASH=hmac needs: present and long enough to be a secret. */
export function pepperProblems(env: Env): string[] {
  if ((env.PLAYPULSE_USER_ID_HASH ?? "").trim() !== "hmac") return [];
  const pepper = env.PLAYPULSE_USER_ID_PEPPER ?? "";
  const how = "(e.g. openssl rand -hex 32; keep it secret and never change it, see docs/privacy.md#pseudonymous-ids)";
  if (pepper === "")
    return [`PLAYPULSE_USER_ID_PEPPER: required when PLAYPULSE_USER_ID_HASH=hmac; set a secret ${how}`];
  if (pepper.length < MIN_PEPPER_LENGTH)
    return [`PLAYPULSE_USER_ID_PEPPER: at least ${MIN_PEPPER_LENGTH} characters; set a longer secret ${how}`];
  return [];
}

/** The shortest pepper accepted. */
export const MIN_PEPPER_LENGTH = 16;

function urlPasswordOf(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  try {
    const password = decodeURIComponent(new URL(url).password);
    return password === "" ? undefined : password;
  } catch {
    return undefined;
  }
}

export function withCredentials(url: string, user: string | undefined, password: string | undefined): string {
  if (user === undefined && password === undefined) return url;
  const u = new URL(url);
  if (user !== undefined) u.username = encodeURIComponent(user);
  if (password !== undefined) u.password = encodeURIComponent(password);
  return u.toString().replace(/\/$/, url.endsWith("/") ? "/" : "");
}

export function natsAuthOf(env: Env, problems: string[]): NatsAuth {
  const set = (name: string) => (env[name] ?? "") !== "";
  const kinds = [set("NATS_CREDS"), set("NATS_NKEY"), set("NATS_USER") || set("NATS_PASSWORD")].filter(Boolean);
  if (kinds.length > 1) {
    problems.push("NATS_CREDS, NATS_NKEY and NATS_USER/NATS_PASSWORD: give one kind of NATS credentials, not several");
  }
  if (set("NATS_USER") !== set("NATS_PASSWORD")) problems.push("NATS_USER and NATS_PASSWORD: give both or neither");
  if (set("NATS_CREDS")) return { kind: "creds", file: env.NATS_CREDS ?? "" };
  if (set("NATS_NKEY")) return { kind: "nkey", seedFile: env.NATS_NKEY ?? "" };
  if (set("NATS_USER")) return { kind: "password", user: env.NATS_USER ?? "", password: env.NATS_PASSWORD ?? "" };
  return { kind: "none" };
}
