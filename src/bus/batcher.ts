/**
 * Groups items that arrive one by one into batches: a batch is due when the items in hand weigh
 * `maxItems` (each item weighs 1 unless `weight` says otherwise), or when its oldest item has
 * waited `maxWaitMs`, or at once when the caller says the input has ended. A batch weighs at most
 * `maxItems`, except that an item heavier than that on its own is a batch of one. The consume
 * loop puts JetStream messages in as they arrive, each weighing its events, and takes batches out.
 *
 * @example
 * const b = createBatcher<JsMsg>({ maxItems: 5000, maxWaitMs: 1000, weight: packWeight });
 * sub.callback = (m) => b.push(m);
 * for (;;) { const batch = await b.next(() => ended); if (batch.length === 0) break; ... }
 */
export interface Batcher<T> {
  push(item: T): void;
  /** The next due batch; `[]` only when `flush()` is true and nothing is in hand. */
  next(flush: () => boolean): Promise<T[]>;
  /** Takes everything in hand now (due or not). */
  takeAll(): T[];
  /** Makes a pending `next` look again (call after `flush()` turned true), and ends a pending `room`. */
  wake(): void;
  /** The number of items in hand (not their weight). */
  size(): number;
  /** What the items in hand weigh. */
  weight(): number;
  /** Resolves once the items in hand weigh less than `limit` (at once if they do), or on `wake()`. */
  room(limit: number): Promise<void>;
}

export interface BatcherOptions<T> {
  /** The most a batch weighs (with no `weight`, the most items per batch). */
  maxItems: number;
  maxWaitMs: number;
  /** An item's weight, read once when it is pushed; 1 when absent. A weight that is not a positive finite number counts as 1. */
  weight?: (item: T) => number;
  now?: () => number;
}

/** One wait for the weight in hand (`total()`) to fall below a limit; `check(true)` ends it regardless. */
function roomSignal(total: () => number) {
  let waiting: { limit: number; resolve: () => void } | undefined;
  return {
    check: (force: boolean): void => {
      const w = waiting;
      if (!w || (!force && total() >= w.limit)) return;
      waiting = undefined;
      w.resolve();
    },
    wait: (limit: number): Promise<void> => {
      if (total() < limit) return Promise.resolve();
      return new Promise<void>((resolve) => {
        waiting?.resolve(); // one wait at a time: an earlier one is let go to look again
        waiting = { limit, resolve };
      });
    },
  };
}

export function createBatcher<T>(opts: BatcherOptions<T>): Batcher<T> {
  const now = opts.now ?? (() => performance.now());
  const weigh = opts.weight;
  const max = opts.maxItems;
  let items: T[] = [];
  let weights: number[] = []; // beside `items`, one per item
  let total = 0;
  let oldestAt = 0;
  let waiter: (() => void) | undefined;
  const room = roomSignal(() => total);
  const wake = () => {
    const w = waiter;
    waiter = undefined;
    w?.();
    room.check(true);
  };
  const weightOf = (item: T): number => {
    if (!weigh) return 1;
    const w = weigh(item);
    return Number.isFinite(w) && w > 0 ? w : 1;
  };
  /** How many items from the front weigh at most `max`; at least 1 (a heavy item goes alone). */
  const fits = (): { n: number; weight: number } => {
    let n = 0;
    let weight = 0;
    for (const w of weights) {
      if (weight + w > max) break;
      weight += w;
      n++;
    }
    return n > 0 ? { n, weight } : { n: 1, weight: weights[0] ?? 0 };
  };
  const takeAll = (): T[] => {
    const all = items;
    [items, weights, total] = [[], [], 0];
    room.check(false);
    return all;
  };
  const take = (): T[] => {
    if (total <= max) return takeAll();
    const { n, weight } = fits();
    weights.splice(0, n);
    total -= weight;
    room.check(false);
    // The rest keeps `oldestAt`: it has waited as long as this batch (and is due at once if it weighs `max`).
    return items.splice(0, n);
  };
  return {
    push(item) {
      const w = weightOf(item);
      items.push(item);
      weights.push(w);
      total += w;
      if (items.length === 1) {
        oldestAt = now();
        wake(); // a waiting next() arms its timer
      } else if (total >= max && total - w < max) wake(); // this item made a batch due
    },
    async next(flush) {
      for (;;) {
        const waited = now() - oldestAt;
        if (total >= max || (items.length > 0 && (waited >= opts.maxWaitMs || flush()))) return take();
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
    takeAll,
    wake,
    size: () => items.length,
    weight: () => total,
    room: room.wait,
  };
}
