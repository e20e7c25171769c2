/** A token bucket's shape: `burst` tokens at most, refilled at `perSecond`. */
export interface BucketPolicy {
  burst: number;
  perSecond: number;
}

export interface Take {
  allowed: boolean;
  /** Tokens left after this take. */
  remaining: number;
  /** Seconds until the bucket is full again. */
  resetSeconds: number;
  /** Seconds until one token is available (0 when allowed). */
  retryAfterSeconds: number;
}

interface State {
  tokens: number;
  at: number;
}

/**
 * In-process token buckets keyed by string, at most `maxKeys` of them (the least recently used
 * is forgotten first: a forgotten bucket starts full, which only ever errs towards allowing).
 *
 * @example
 * const buckets = createBuckets({ burst: 20, perSecond: 5 });
 * buckets.take("k", Date.now()).allowed; // true
 */
export function createBuckets(policy: BucketPolicy, maxKeys = 100_000) {
  const states = new Map<string, State>();
  /** A time (ms) by which every saved bucket is full again; only ever an upper bound (evictions do not lower it). */
  let allFullAt = -Infinity;
  function level(key: string, now: number): State {
    const s = states.get(key);
    if (s === undefined) return { tokens: policy.burst, at: now };
    const tokens = Math.min(policy.burst, s.tokens + ((now - s.at) / 1000) * policy.perSecond);
    return { tokens, at: now };
  }
  function save(key: string, s: State): void {
    states.delete(key);
    states.set(key, s);
    if (states.size > maxKeys) {
      const oldest = states.keys().next().value;
      if (oldest !== undefined) states.delete(oldest);
    }
    const missing = policy.burst - s.tokens;
    allFullAt = Math.max(allFullAt, missing <= 0 ? s.at : s.at + (missing / policy.perSecond) * 1000);
  }
  /**
   * True when no saved bucket is below its burst at `now`: a peek at any key then answers as for a
   * key never seen, so the saved states are forgotten (no answer changes; the map stays small). The
   * 1 ms margin keeps clear of rounding in `level`.
   */
  function allFull(now: number): boolean {
    if (states.size > 0 && now > allFullAt + 1) states.clear();
    return states.size === 0;
  }
  const resetOf = (tokens: number) => Math.ceil((policy.burst - tokens) / policy.perSecond);
  return {
    policy,
    /** Takes one token when there is one. */
    take(key: string, now: number): Take {
      const s = level(key, now);
      const allowed = s.tokens >= 1;
      if (allowed) s.tokens -= 1;
      save(key, s);
      const remaining = Math.floor(s.tokens);
      const retryAfterSeconds = allowed ? 0 : Math.max(1, Math.ceil((1 - s.tokens) / policy.perSecond));
      return { allowed, remaining, resetSeconds: resetOf(s.tokens), retryAfterSeconds };
    },
    /**
     * The bucket's state without taking. A function as `key` is called only when some bucket is
     * below its burst: while all are full the answer is the same for every key, so a caller whose
     * key is costly to compute (a hash) does not compute it.
     */
    peek(key: string | (() => string), now: number): Take {
      const s = allFull(now) ? { tokens: policy.burst, at: now } : level(typeof key === "string" ? key : key(), now);
      const allowed = s.tokens >= 1;
      const retryAfterSeconds = allowed ? 0 : Math.max(1, Math.ceil((1 - s.tokens) / policy.perSecond));
      return { allowed, remaining: Math.floor(s.tokens), resetSeconds: resetOf(s.tokens), retryAfterSeconds };
    },
    /** Takes one token whatever the level (for failures counted after the fact). */
    charge(key: string, now: number): void {
      const s = level(key, now);
      s.tokens = Math.max(-policy.burst, s.tokens - 1);
      save(key, s);
    },
    size: () => states.size,
  };
}
export type Buckets = ReturnType<typeof createBuckets>;
