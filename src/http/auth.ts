import { createMiddleware } from "hono/factory";
import {
  keyRing as ringOf,
  scopeForEventType,
  shorthandEntries,
  type KeyEntry,
  type KeyRing,
  type Scope,
} from "../keys/index.ts";
import { ApiError } from "./errors.ts";

/**
 * The configured keys: scoped keys (PLAYPULSE_KEYS, hashes only) and the shorthand lists
 * (PLAYPULSE_WRITE_KEYS, PLAYPULSE_READ_KEYS, PLAYPULSE_PUBLISHABLE_KEYS), which keep working.
 */
export interface Keys {
  write: ReadonlySet<string>;
  read: ReadonlySet<string>;
  /** Publishable keys (safe inside a web page: send-only) and the origins each is valid from. */
  publishable?: ReadonlyMap<string, ReadonlySet<string>>;
  /** Keys with a source and scopes, configured by their SHA-256 (docs/security.md#keys). */
  scoped?: readonly KeyEntry[];
}

/** The Hono variable that carries the source label of the request's key (logs, metrics, traces). */
export interface AuthVariables {
  keySource: string;
  keyEntry: KeyEntry;
}

export type { KeyRing };

/** Every configured key as an entry: the scoped ones and the shorthand lists. */
export function keyEntries(keys: Keys): KeyEntry[] {
  return [
    ...shorthandEntries({ write: keys.write, read: keys.read, publishable: keys.publishable ?? [] }),
    ...(keys.scoped ?? []),
  ];
}

/**
 * A constant-time lookup over every configured key (see src/keys/ring.ts).
 *
 * @example
 * const find = keyRing({ write: new Set(["wk_1"]), read: new Set(["rk_1"]) });
 * find("wk_1")?.scopes.has("events:write"); // true
 */
export function keyRing(keys: Keys): KeyRing {
  return ringOf(keyEntries(keys));
}

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/** The key of `Authorization: Bearer <key>`, undefined without the header; throws 401 for another shape. */
function bearer(header: string | undefined, need: string): string | undefined {
  if (header === undefined) return undefined;
  const m = BEARER.exec(header);
  if (!m?.[1]) throw new ApiError(401, "unauthorized", `the Authorization header must be "Bearer <${need} key>"`);
  return m[1];
}

const LEGACY: Record<string, Scope> = { read: "stats:read", write: "events:write" };
const NOUN: Record<Scope, string> = {
  "stats:read": "read",
  "events:write": "write",
  admin: "admin",
  catalog: "catalog",
  publishable: "publishable",
};

/** Answers 401 (missing or unknown key) or 403 (known key without `scope`); returns the key when allowed. */
export function checkScope(find: KeyRing, header: string | undefined, scope: Scope): KeyEntry {
  const noun = NOUN[scope];
  const key = bearer(header, noun);
  if (key === undefined)
    throw new ApiError(401, "unauthorized", `missing "Authorization: Bearer <${noun} key>" header`);
  const found = find(key);
  if (!found) throw new ApiError(401, "unauthorized", `unknown ${noun} key`);
  if (found.scopes.has(scope)) return found;
  throw new ApiError(
    403,
    "forbidden",
    `this key (source ${JSON.stringify(found.source)}, scopes ${[...found.scopes].join(",")}) lacks the ${scope} scope this route needs`,
  );
}

/**
 * `Authorization: Bearer <key>` with a scope. Missing or unknown keys answer 401; a known key
 * without the scope answers 403. `"read"` and `"write"` are the shorthand of `stats:read` and
 * `events:write`. The key's source is set as the `keySource` variable for logs and metrics.
 *
 * @example
 * app.use("/v1/videos/*", requireKey(keys, "read"));
 * app.post("/v1/experiments", requireKey(keys, "admin"), handler);
 */
export function requireKey(keys: Keys, need: Scope | "write" | "read") {
  const find = keyRing(keys);
  const scope = LEGACY[need] ?? (need as Scope);
  return createMiddleware<{ Variables: AuthVariables }>(async (c, next) => {
    const found = checkScope(find, c.req.header("authorization"), scope);
    c.set("keySource", found.source);
    c.set("keyEntry", found);
    return next();
  });
}

/**
 * Who may send events: a key with `events:write` or `catalog` in `Authorization: Bearer` from
 * anywhere (servers), or a publishable key, in the header or in `?key=` (what
 * `navigator.sendBeacon` can send), from one of its allowed origins only (exact match). Which
 * event types the key may send is checked per event (`mayPublish`). Throws a 401/403 ApiError,
 * or returns the key when allowed.
 */
export function checkSender(
  find: KeyRing,
  header: string | undefined,
  queryKey: string | undefined,
  origin: string | undefined,
): KeyEntry {
  const fromHeader = bearer(header, "write");
  const key = fromHeader ?? queryKey;
  if (key === undefined || key === "") {
    throw new ApiError(401, "unauthorized", 'missing "Authorization: Bearer <write key>" header');
  }
  const found = find(key);
  const publishable = found?.scopes.has("publishable") === true;
  if (fromHeader === undefined && !publishable) {
    throw new ApiError(
      401,
      "unauthorized",
      found
        ? 'only a publishable key may be sent as "?key="; send this key in "Authorization: Bearer <key>"'
        : "unknown publishable key",
    );
  }
  if (!found) throw new ApiError(401, "unauthorized", "unknown write key");
  if (!publishable) {
    if (found.scopes.has("events:write") || found.scopes.has("catalog")) return found;
    throw new ApiError(
      403,
      "forbidden",
      `this key (source ${JSON.stringify(found.source)}) has neither events:write nor catalog; sending events needs a write key`,
    );
  }
  if (origin === undefined) {
    throw new ApiError(
      403,
      "forbidden",
      "a publishable key is valid only from its allowed origins, and this request has no Origin header; servers send a write key",
    );
  }
  if (!found.origins.has(origin)) {
    throw new ApiError(403, "forbidden", `origin ${JSON.stringify(origin)} is not allowed for this publishable key`);
  }
  return found;
}

/**
 * Whether `key` may send an event of `type`: play events (`user.*`) need `events:write` (or a
 * publishable key), catalog events (`video.*`) need `catalog`. Undefined when allowed, else the reason.
 */
export function mayPublish(key: KeyEntry, type: string): string | undefined {
  const need = scopeForEventType(type);
  if (key.scopes.has(need)) return undefined;
  if (need === "events:write" && key.scopes.has("publishable")) return undefined;
  return `forbidden: ${type} needs a key with the ${need} scope (source ${JSON.stringify(key.source)} has ${[...key.scopes].join(",")})`;
}

/**
 * The sender check of `POST /v1/events` as a middleware (see `checkSender`).
 *
 * @example
 * app.post("/v1/events", requireSender(keys), handler);
 */
export function requireSender(keys: Keys) {
  const find = keyRing(keys);
  return createMiddleware<{ Variables: AuthVariables }>(async (c, next) => {
    const found = checkSender(find, c.req.header("authorization"), c.req.query("key"), c.req.header("origin"));
    c.set("keySource", found.source);
    c.set("keyEntry", found);
    return next();
  });
}

/** Every origin some publishable key is valid from: the CORS allow-list. */
export function allowedOrigins(keys: Keys): ReadonlySet<string> {
  const all = new Set<string>();
  for (const e of keyEntries(keys)) if (e.scopes.has("publishable")) for (const o of e.origins) all.add(o);
  return all;
}
