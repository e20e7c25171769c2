/**
 * Views for alert tests: a factory whose `views(cdn, count, failEvery)` gives `count` views of
 * title m1 on `cdn` dated now, every `failEvery`-th view (counted across calls) failing fatally
 * (0: none), the others playing. Ids are unique per factory (`prefix`).
 *
 * @example
 * const views = cdnViews("bv");
 * await p.send([...views("cdn-a", 30, 0), ...views("cdn-b", 10, 2)]); // half of cdn-b's 10 fail
 */
export function cdnViews(prefix: string): (cdn: string, count: number, failEvery: number) => object[] {
  let n = 0;
  return (cdn, count, failEvery) => {
    const timestamp = new Date().toISOString();
    return Array.from({ length: count }, () => {
      const v = `${prefix}${n++}`;
      const base = { user_id: `u-${v}`, view_id: v, video_id: "m1", position_ms: 0, cdn, timestamp };
      const failed = failEvery > 0 && n % failEvery === 0;
      return [
        { ...base, id: `${v}.req`, type: "user.video.play_requested" },
        failed
          ? { ...base, id: `${v}.fail`, type: "user.video.failed", error_code: "E_CDN", fatal: true }
          : { ...base, id: `${v}.play`, type: "user.video.played", startup_ms: 700 },
      ];
    }).flat();
  };
}

/**
 * The rule the alert tests judge `cdnViews` bursts with: failure rate above 5 % per CDN over 10 s,
 * at least 20 views, two clear evaluations to resolve (unless `overrides` says otherwise).
 *
 * @example
 * const rule = cdnFailureRule({ hysteresis: { ratio: 0.2, clear_evaluations: 3 } });
 */
export function cdnFailureRule(overrides: Record<string, unknown> = {}) {
  return {
    id: "cdn_failures",
    metric: "failure_rate",
    threshold: 0.05,
    window_seconds: 10,
    min_volume: 20,
    split_by: "cdn",
    hysteresis: { ratio: 0.2, clear_evaluations: 2 },
    ...overrides,
  };
}
