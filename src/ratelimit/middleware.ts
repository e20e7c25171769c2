import { createHash } from "node:crypto";
import { createMiddleware } from "hono/factory";
import type { ErrorBody } from "../http/answers.ts";
import { createBuckets, type BucketPolicy, type Buckets, type Take } from "./bucket.ts";

export interface RateLimitOptions {
  /** Per presented key (its hash): a source's sustained rate and burst. */
  perKey: BucketPolicy;
  /** Per client address (hashed, never stored raw). */
  perAddress: BucketPolicy;
  /** Failed authentication (401) per client address: much tighter. */
  authFailures: BucketPolicy;
  /** Per-key policies by the key's source (PLAYPULSE_RATE_LIMIT_SOURCES); a key of another source gets `perKey`. */
  perSource?: ReadonlyMap<string, BucketPolicy>;
  /** The source of a presented key, undefined for an unknown key (the key ring's constant-time lookup). */
  sourceOf?: (key: string) => string | undefined;
  now?: () => number;
}

/** A policy with a rate of 0 is off. */
const on = (p: BucketPolicy) => p.perSecond > 0;
const BEARER = /^Bearer\s+(\S+)\s*$/i;
const short = (s: string) => createHash("sha256").update(s, "utf8").digest("hex").slice(0, 32);
const isObject = (x: unknown): x is Record<string, unknown> => typeof x === "object" && x !== null;

/** The TCP peer's address on Node (`c.env.incoming.socket`), on Bun/Deno via `c.env.remoteAddress` when set. */
function peer(env: unknown): string {
  if (!isObject(env)) return "unknown";
  const incoming = env.incoming;
  if (isObject(incoming) && isObject(incoming.socket) && typeof incoming.socket.remoteAddress === "string")
    return incoming.socket.remoteAddress;
  return typeof env.remoteAddress === "string" ? env.remoteAddress : "unknown";
}

function policyHeader(name: string, p: BucketPolicy): string {
  return `"${name}";q=${p.burst};w=${Math.max(1, Math.round(p.burst / p.perSecond))}`;
}

/**
 * The per-key buckets a presented key is counted in: its source's (PLAYPULSE_RATE_LIMIT_SOURCES)
 * when that source has a policy, the default otherwise. The source lookup runs only when some
 * source has a policy of its own.
 */
function perKeyBuckets(opts: RateLimitOptions): (presented: string | undefined) => Buckets {
  const fallback = createBuckets(opts.perKey);
  const bySource = new Map(
    [...(opts.perSource ?? new Map<string, BucketPolicy>())].map(([s, p]) => [s, createBuckets(p)]),
  );
  if (bySource.size === 0 || opts.sourceOf === undefined) return () => fallback;
  const sourceOf = opts.sourceOf;
  return (presented) => {
    const source = presented === undefined ? undefined : sourceOf(presented);
    return (source === undefined ? undefined : bySource.get(source)) ?? fallback;
  };
}

/**
 * Token buckets per key and per client address, and a much tighter one for failed
 * authentication per address. Every answer carries the IETF `RateLimit` and `RateLimit-Policy`
 * headers (the tightest bucket of the request); a request over a limit answers 429 with
 * `Retry-After`. In process and in memory: it cannot fail, so it never turns into a 5xx
 * (docs/security.md, "Rate limits", says why it is not shared across replicas).
 *
 * @example
 * app.use(rateLimit({ perKey: { burst: 200, perSecond: 100 }, perAddress: { burst: 400, perSecond: 200 }, authFailures: { burst: 10, perSecond: 0.2 } }));
 */
export function rateLimit(opts: RateLimitOptions) {
  const now = opts.now ?? Date.now;
  const byAddress = createBuckets(opts.perAddress);
  const failures = createBuckets(opts.authFailures);
  const keyBuckets = perKeyBuckets(opts);
  const addressPolicy = policyHeader("address", opts.perAddress);
  return createMiddleware(async (c, next) => {
    const t = now();
    const address = short(`addr:${peer(c.env)}`);
    const presented = BEARER.exec(c.req.header("authorization") ?? "")?.[1] ?? c.req.query("key");
    const takes: [string, Take][] = [];
    if (on(opts.authFailures)) takes.push(["failed-auth", failures.peek(address, t)]);
    const byKey = keyBuckets(presented);
    if (takes.every(([, x]) => x.allowed)) {
      if (on(opts.perAddress)) takes.push(["address", byAddress.take(address, t)]);
      if (presented && on(byKey.policy)) takes.push(["key", byKey.take(short(`key:${presented}`), t)]);
    }
    if (takes.length === 0) return next();
    const denied = takes.find(([, x]) => !x.allowed);
    const spent = takes.filter(([n]) => n !== "failed-auth");
    const [name, tightest] =
      denied ?? (spent.length > 0 ? spent : takes).reduce((a, b) => (b[1].remaining < a[1].remaining ? b : a));
    const headers = {
      "RateLimit-Policy": `${policyHeader("key", byKey.policy)}, ${addressPolicy}`,
      RateLimit: `"${name}";r=${Math.max(0, tightest.remaining)};t=${tightest.resetSeconds}`,
    };
    if (denied) {
      const [which, d] = denied;
      return c.json(
        {
          error: {
            code: "rate_limited",
            message: `too many requests (${which === "failed-auth" ? "failed authentications from this address" : `per ${which}`}); retry after ${d.retryAfterSeconds} s`,
          },
        } satisfies ErrorBody,
        429,
        { ...headers, "Retry-After": String(d.retryAfterSeconds) },
      );
    }
    await next();
    if (c.res.status === 401 && on(opts.authFailures)) failures.charge(address, t);
    for (const [k, v] of Object.entries(headers)) c.res.headers.set(k, v);
  });
}
