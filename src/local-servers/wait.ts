import { setTimeout as delay } from "node:timers/promises";

export interface WaitForOptions {
  /** Give up after this long, counted from the first probe. */
  timeoutMs: number;
  /** Pause between probes; 100 ms unless told. */
  intervalMs?: number;
  /** What is being waited for, for the timeout message: "nats-server healthz on :4222". */
  what: string;
  /** Stops the wait early, rejecting with the signal's reason (e.g. "the server exited"). */
  signal?: AbortSignal;
}

/**
 * Polls `probe` until it returns something other than `undefined` or `false`, and returns that.
 * A probe that throws counts as "not yet". After `timeoutMs` it throws an Error naming `what`
 * and the last error or value seen, so a failed wait says why.
 *
 * @example
 * const body = await waitFor(async () => (await fetch(url)).ok && "up", { timeoutMs: 5_000, what: "http" });
 */
export async function waitFor<T>(
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  opts: WaitForOptions,
): Promise<T> {
  const { timeoutMs, intervalMs = 100, what, signal } = opts;
  const deadline = Date.now() + timeoutMs;
  let last: { error: unknown } | { value: unknown } = { value: undefined };
  for (;;) {
    signal?.throwIfAborted();
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
      last = { value };
    } catch (error: unknown) {
      last = { error };
    }
    signal?.throwIfAborted();
    const left = deadline - Date.now();
    if (left <= 0) {
      const detail = "error" in last ? `last error: ${describe(last.error)}` : `last value: ${String(last.value)}`;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (${detail})`, {
        cause: "error" in last ? last.error : undefined,
      });
    }
    await delay(Math.min(intervalMs, left), undefined, { signal }).catch(() => undefined);
  }
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? ` (cause: ${error.cause.message})` : "";
  return `${error.message}${cause}`;
}
