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

/** The `RateLimit-Policy` value: the named buckets that are on (one that is off has no window); "" when none is. */
function policyList(...named: [string, BucketPolicy][]): string {
  return named
    .filter(([, p]) => on(p))
    .map(([n, p]) => policyHeader(n, p))
    .join(", ");
}

/** `f`'s value, computed on the first call only. */
function once<T>(f: () => T): () => T {
  let memo: { value: T } | undefined;
  return () => (memo ??= { value: f() }).value;
}

/** The per-key buckets of a policy, with the `RateLimit-Policy` header they answer with (built once; "" for none). */
interface KeyBuckets {
  buckets: Buckets;
  policyHeader: string;
}

/**
 * The per-key buckets a presented key is counted in: its source's (PLAYPULSE_RATE_LIMIT_SOURCES)
 * when that source has a policy, the default otherwise. The presented key is read, and its
 * source looked up, only when some source has a policy of its own.
 */
function perKeyBuckets(
  opts: RateLimitOptions,
  addressPolicy: BucketPolicy,
): (presented: () => string | undefined) => KeyBuckets {
  const withHeader = (p: BucketPolicy): KeyBuckets => ({
    buckets: createBuckets(p),
    policyHeader: policyList(["key", p], ["address", addressPolicy]),
  });
  const fallback = withHeader(opts.perKey);
  const bySource = new Map(
    [...(opts.perSource ?? new Map<string, BucketPolicy>())].map(([s, p]) => [s, withHeader(p)]),
  );
  if (bySource.size === 0 || opts.sourceOf === undefined) return () => fallback;
  const sourceOf = opts.sourceOf;
  return (presented) => {
    const key = presented();
    const source = key === undefined ? undefined : sourceOf(key);
    return (source === undefined ? undefined : bySource.get(source)) ?? fallback;
  };
}

type Named = [name: string, take: Take];

/**
 * The take the `RateLimit` header reports: the first refusal; else the fewest tokens remaining
 * among the buckets spent from (the failed-auth peek only when nothing was spent), the first on
 * ties; undefined when no bucket is on.
 */
function reported(takes: readonly Named[]): Named | undefined {
  let fewest: Named | undefined;
  for (const named of takes) {
    if (!named[1].allowed) return named;
    if (named[0] === "failed-auth" && takes.length > 1) continue;
    if (fewest === undefined || named[1].remaining < fewest[1].remaining) fewest = named;
  }
  return fewest;
}

/**
 * Token buckets per key and per client address, and a much tighter one for failed
 * authentication per address. Every answer carries the IETF `RateLimit` and `RateLimit-Policy`
 * headers (the tightest bucket of the request); a request over a limit answers 429 with
 * `Retry-After`. In process and in memory: it cannot fail, so it never turns into a 5xx
 * (docs/security.md, "Rate limits", says why it is not shared across replicas).
 *
 * The client address is hashed only when a bucket needs it: the per-address bucket is on, some
 * address is below its failed-authentication burst, or an answer is a 401 to count. The
 * presented key is read only when the per-key bucket is on or a source has a policy of its own.
 *
 * @example
 * app.use(rateLimit({ perKey: { burst: 200, perSecond: 100 }, perAddress: { burst: 400, perSecond: 200 }, authFailures: { burst: 10, perSecond: 0.2 } }));
 */
export function rateLimit(opts: RateLimitOptions) {
  const now = opts.now ?? Date.now;
  const byAddress = createBuckets(opts.perAddress);
  const failures = createBuckets(opts.authFailures);
  const [addressOn, failuresOn] = [on(opts.perAddress), on(opts.authFailures)];
  const keyBuckets = perKeyBuckets(opts, opts.perAddress);
  return createMiddleware(async (c, next) => {
    const t = now();
    const address = once(() => short(`addr:${peer(c.env)}`));
    const presented = once(() => BEARER.exec(c.req.header("authorization") ?? "")?.[1] ?? c.req.query("key"));
    const takes: Named[] = [];
    if (failuresOn) takes.push(["failed-auth", failures.peek(address, t)]);
    const byKey = keyBuckets(presented);
    if (takes.every(([, x]) => x.allowed)) {
      if (addressOn) takes.push(["address", byAddress.take(address(), t)]);
      const key = on(byKey.buckets.policy) ? presented() : undefined;
      if (key) takes.push(["key", byKey.buckets.take(short(`key:${key}`), t)]);
    }
    const tightest = reported(takes);
    if (tightest === undefined) return next();
    const [name, take] = tightest;
    const rate = `"${name}";r=${Math.max(0, take.remaining)};t=${take.resetSeconds}`;
    if (!take.allowed) {
      return c.json(
        {
          error: {
            code: "rate_limited",
            message: `too many requests (${name === "failed-auth" ? "failed authentications from this address" : `per ${name}`}); retry after ${take.retryAfterSeconds} s`,
          },
        } satisfies ErrorBody,
        429,
        {
          ...(byKey.policyHeader ? { "RateLimit-Policy": byKey.policyHeader } : {}),
          RateLimit: rate,
          "Retry-After": String(take.retryAfterSeconds),
        },
      );
    }
    await next();
    if (failuresOn && c.res.status === 401) failures.charge(address(), t);
    const headers = c.res.headers;
    if (byKey.policyHeader) headers.set("RateLimit-Policy", byKey.policyHeader);
    headers.set("RateLimit", rate);
  });
}
