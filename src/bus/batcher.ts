/**
 * Groups items that arrive one by one into batches: a batch is due when it holds `maxItems`,
 * or when its oldest item has waited `maxWaitMs`, or at once when the caller says the input
 * has ended. The consume loop puts JetStream messages in as they arrive and takes batches out.
 *
 * @example
 * const b = createBatcher<JsMsg>({ maxItems: 5000, maxWaitMs: 1000 });
 * sub.callback = (m) => b.push(m);
 * for (;;) { const batch = await b.next(() => ended); if (batch.length === 0) break; ... }
 */
export interface Batcher<T> {
  push(item: T): void;
  /** The next due batch; `[]` only when `flush()` is true and nothing is in hand. */
  next(flush: () => boolean): Promise<T[]>;
  /** Takes everything in hand now (due or not). */
  takeAll(): T[];
  /** Makes a pending `next` look again (call after `flush()` turned true). */
  wake(): void;
  size(): number;
}

export function createBatcher<T>(opts: { maxItems: number; maxWaitMs: number; now?: () => number }): Batcher<T> {
  const now = opts.now ?? (() => performance.now());
  let items: T[] = [];
  let oldestAt = 0;
  let waiter: (() => void) | undefined;
  const wake = () => {
    const w = waiter;
    waiter = undefined;
    w?.();
  };
  const take = (): T[] => {
    if (items.length <= opts.maxItems) {
      const batch = items;
      items = [];
      return batch;
    }
    // The rest is due at once: it has waited as long as this batch.
    return items.splice(0, opts.maxItems);
  };
  return {
    push(item) {
      items.push(item);
      if (items.length === 1) {
        oldestAt = now();
        wake(); // a waiting next() arms its timer
      } else if (items.length === opts.maxItems) wake();
    },
    async next(flush) {
      for (;;) {
        const waited = now() - oldestAt;
        if (items.length >= opts.maxItems || (items.length > 0 && (waited >= opts.maxWaitMs || flush()))) return take();
        if (flush()) return [];
        await new Promise<void>((resolve) => {
          const t = items.length > 0 ? setTimeout(resolve, opts.maxWaitMs - waited) : undefined;
          waiter = () => {
            clearTimeout(t);
            resolve();
          };
        });
        waiter = undefined;
      }
    },
    takeAll() {
      const all = items;
      items = [];
      return all;
    },
    wake,
    size: () => items.length,
  };
}
