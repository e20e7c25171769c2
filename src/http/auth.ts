import { createHash, timingSafeEqual } from "node:crypto";
import { createMiddleware } from "hono/factory";
import { ApiError } from "./errors.ts";

export interface Keys {
  write: ReadonlySet<string>;
  read: ReadonlySet<string>;
  /** Publishable keys (safe inside a web page: send-only) and the origins each is valid from. */
  publishable?: ReadonlyMap<string, ReadonlySet<string>>;
}

export type KeyKind = "write" | "read" | "publishable";

export interface FoundKey {
  kind: KeyKind;
  /** The allowed origins of a publishable key; empty for the others. */
  origins: ReadonlySet<string>;
}

/** Finds which key a presented string is, in time that does not depend on how much of it matches. */
export type KeyRing = (candidate: string) => FoundKey | undefined;

const digest = (s: string): Buffer => createHash("sha256").update(s, "utf8").digest();
const NO_ORIGINS: ReadonlySet<string> = new Set();

/**
 * A constant-time key lookup. Every known key is stored as its SHA-256 digest and the presented
 * key is hashed once and compared with each of them by `timingSafeEqual`, without stopping at a
 * match: the time taken depends on the number of keys only, never on the presented string.
 *
 * @example
 * const find = keyRing({ write: new Set(["wk_1"]), read: new Set(["rk_1"]) });
 * find("wk_1")?.kind; // "write"
 */
export function keyRing(keys: Keys): KeyRing {
  const entries: { hash: Buffer; found: FoundKey }[] = [
    ...[...keys.write].map((k) => ({ hash: digest(k), found: { kind: "write" as const, origins: NO_ORIGINS } })),
    ...[...keys.read].map((k) => ({ hash: digest(k), found: { kind: "read" as const, origins: NO_ORIGINS } })),
    ...[...(keys.publishable ?? new Map<string, ReadonlySet<string>>())].map(([k, origins]) => ({
      hash: digest(k),
      found: { kind: "publishable" as const, origins },
    })),
  ];
  return function find(candidate) {
    const hash = digest(candidate);
    let result: FoundKey | undefined;
    for (const e of entries) {
      // No early exit: every key is compared whatever matched before.
      if (timingSafeEqual(hash, e.hash)) result = e.found;
    }
    return result;
  };
}

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/** The key of `Authorization: Bearer <key>`, undefined without the header; throws 401 for another shape. */
function bearer(header: string | undefined, need: string): string | undefined {
  if (header === undefined) return undefined;
  const m = BEARER.exec(header);
  if (!m?.[1]) throw new ApiError(401, "unauthorized", `the Authorization header must be "Bearer <${need} key>"`);
  return m[1];
}

/**
 * `Authorization: Bearer <key>` for the read routes. Missing or unknown keys answer 401; a known key of
 * another kind answers 403.
 *
 * @example
 * app.use("/v1/videos/*", requireKey(keys, "read"));
 */
export function requireKey(keys: Keys, need: "write" | "read") {
  const find = keyRing(keys);
  return createMiddleware(async (c, next) => {
    const key = bearer(c.req.header("authorization"), need);
    if (key === undefined)
      throw new ApiError(401, "unauthorized", `missing "Authorization: Bearer <${need} key>" header`);
    const found = find(key);
    if (found?.kind === need) return next();
    if (found) throw new ApiError(403, "forbidden", wrongKind(found.kind, need));
    throw new ApiError(401, "unauthorized", `unknown ${need} key`);
  });
}

function wrongKind(kind: KeyKind, need: "write" | "read"): string {
  if (need === "read") return `this is a ${kind} key; reading needs a read key`;
  return "this is a read key; sending events needs a write key";
}

/**
 * Who may send events: a write key in `Authorization: Bearer` from anywhere (servers), or a
 * publishable key, in the header or in `?key=` (what `navigator.sendBeacon` can send), from one of
 * its allowed origins only. The outcome is thrown as a 401/403 ApiError, or returned when allowed.
 */
export function checkSender(
  find: KeyRing,
  header: string | undefined,
  queryKey: string | undefined,
  origin: string | undefined,
): void {
  const fromHeader = bearer(header, "write");
  const key = fromHeader ?? queryKey;
  if (key === undefined || key === "") {
    throw new ApiError(401, "unauthorized", 'missing "Authorization: Bearer <write key>" header');
  }
  const found = find(key);
  if (fromHeader === undefined && found?.kind !== "publishable") {
    throw new ApiError(
      401,
      "unauthorized",
      found
        ? 'only a publishable key may be sent as "?key="; send this key in "Authorization: Bearer <key>"'
        : "unknown publishable key",
    );
  }
  if (!found) throw new ApiError(401, "unauthorized", "unknown write key");
  if (found.kind === "write") return;
  if (found.kind === "read") throw new ApiError(403, "forbidden", wrongKind("read", "write"));
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
}

/**
 * The sender check of `POST /v1/events` as a middleware (see `checkSender`).
 *
 * @example
 * app.post("/v1/events", requireSender(keys), handler);
 */
export function requireSender(keys: Keys) {
  const find = keyRing(keys);
  return createMiddleware(async (c, next) => {
    checkSender(find, c.req.header("authorization"), c.req.query("key"), c.req.header("origin"));
    return next();
  });
}

/** Every origin some publishable key is valid from: the CORS allow-list. */
export function allowedOrigins(keys: Keys): ReadonlySet<string> {
  const all = new Set<string>();
  for (const origins of keys.publishable?.values() ?? []) for (const o of origins) all.add(o);
  return all;
}
