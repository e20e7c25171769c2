import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createBatcher } from "./batcher.ts";

describe("createBatcher", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });
  const make = (maxItems = 3, maxWaitMs = 1000) =>
    createBatcher<number>({ maxItems, maxWaitMs, now: () => Date.now() });
  const never = () => false;

  it("hands out a full batch at once", async () => {
    const b = make();
    for (const i of [1, 2, 3]) b.push(i);
    await expect(b.next(never)).resolves.toEqual([1, 2, 3]);
    expect(b.size()).toBe(0);
  });

  it("wakes a waiting next() when the batch fills", async () => {
    const b = make();
    const got = b.next(never);
    b.push(1);
    b.push(2);
    b.push(3);
    b.push(4);
    await expect(got).resolves.toEqual([1, 2, 3]);
    expect(b.size()).toBe(1);
  });

  it("closes a partial batch when its oldest item has waited maxWaitMs, not before", async () => {
    const b = make(10, 1000);
    let batch: number[] | undefined;
    const got = b.next(never).then((x) => (batch = x));
    b.push(1);
    await vi.advanceTimersByTimeAsync(600);
    b.push(2);
    await vi.advanceTimersByTimeAsync(399);
    expect(batch).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    await got;
    expect(batch).toEqual([1, 2]);
  });

  it("a remainder beyond one batch is due at once", async () => {
    const b = make(2, 1000);
    for (const i of [1, 2, 3, 4, 5]) b.push(i);
    await expect(b.next(never)).resolves.toEqual([1, 2]);
    await expect(b.next(never)).resolves.toEqual([3, 4]);
    let batch: number[] | undefined;
    const got = b.next(never).then((x) => (batch = x));
    await vi.advanceTimersByTimeAsync(999);
    expect(batch).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    await got;
    expect(batch).toEqual([5]);
  });

  it("on flush hands out what is in hand, then [] once empty", async () => {
    const b = make(10, 60_000);
    let flush = false;
    const got = b.next(() => flush);
    b.push(7);
    flush = true;
    b.wake();
    await expect(got).resolves.toEqual([7]);
    await expect(b.next(() => flush)).resolves.toEqual([]);
  });

  it("an empty wait ends on wake() once flush is true", async () => {
    const b = make();
    let flush = false;
    const got = b.next(() => flush);
    await vi.advanceTimersByTimeAsync(5000);
    flush = true;
    b.wake();
    await expect(got).resolves.toEqual([]);
  });

  it("takeAll empties the buffer whether due or not", () => {
    const b = make(10);
    b.push(1);
    b.push(2);
    expect(b.takeAll()).toEqual([1, 2]);
    expect(b.size()).toBe(0);
  });
});

describe("createBatcher with a weight", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });
  // An item is its own weight.
  const make = (maxItems: number, maxWaitMs = 1000) =>
    createBatcher<number>({ maxItems, maxWaitMs, weight: (n) => n, now: () => Date.now() });
  const never = () => false;

  it("is due when the weights sum to the limit, and wakes a waiting next()", async () => {
    const b = make(10);
    const got = b.next(never);
    for (const w of [4, 3, 3]) b.push(w);
    await expect(got).resolves.toEqual([4, 3, 3]);
    expect(b.size()).toBe(0);
  });

  it("is not due below the limit until the wait runs out", async () => {
    const b = make(10, 1000);
    let batch: number[] | undefined;
    const got = b.next(never).then((x) => (batch = x));
    for (const w of [4, 3, 2]) b.push(w);
    await vi.advanceTimersByTimeAsync(999);
    expect(batch).toBeUndefined();
    expect(b.size()).toBe(3);
    await vi.advanceTimersByTimeAsync(1);
    await got;
    expect(batch).toEqual([4, 3, 2]);
  });

  it("splits mid-stream, in order, so that no batch weighs more than the limit", async () => {
    const b = make(10, 1000);
    for (const w of [4, 4, 4, 4, 4, 1]) b.push(w);
    await expect(b.next(never)).resolves.toEqual([4, 4]);
    await expect(b.next(never)).resolves.toEqual([4, 4]);
    expect(b.size()).toBe(2);
    // The rest (weight 5) is not due by weight; it keeps its oldest item's wait.
    let batch: number[] | undefined;
    const got = b.next(never).then((x) => (batch = x));
    await vi.advanceTimersByTimeAsync(999);
    expect(batch).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    await got;
    expect(batch).toEqual([4, 1]);
  });

  it.each([
    { pushed: [25], batches: [[25]] },
    { pushed: [25, 1, 2], batches: [[25], [1, 2]] },
    { pushed: [1, 2, 25, 3], batches: [[1, 2], [25], [3]] },
    { pushed: [25, 30], batches: [[25], [30]] },
  ])("an item heavier than the limit is a batch on its own: $pushed", async ({ pushed, batches }) => {
    const b = make(10);
    for (const w of pushed) b.push(w);
    const got: number[][] = [];
    const flush = () => true;
    for (let batch = await b.next(flush); batch.length > 0; batch = await b.next(flush)) got.push(batch);
    expect(got).toEqual(batches);
  });

  it("a heavy item that arrives alone is due at once", async () => {
    const b = make(10, 60_000);
    const got = b.next(never);
    b.push(11);
    await expect(got).resolves.toEqual([11]);
  });

  it.each([0, -3, Number.NaN, Number.POSITIVE_INFINITY])("counts a weight of %s as 1", async (w) => {
    const b = createBatcher<number>({ maxItems: 2, maxWaitMs: 60_000, weight: () => w, now: () => Date.now() });
    for (const i of [1, 2, 3]) b.push(i);
    await expect(b.next(never)).resolves.toEqual([1, 2]);
    expect(b.size()).toBe(1);
  });

  it("without a weight still counts items", async () => {
    const b = createBatcher<number>({ maxItems: 3, maxWaitMs: 60_000, now: () => Date.now() });
    for (const i of [100, 200, 300, 400]) b.push(i);
    await expect(b.next(never)).resolves.toEqual([100, 200, 300]);
    expect(b.size()).toBe(1);
  });
});

describe("createBatcher: room for more", () => {
  const make = () => createBatcher<number>({ maxItems: 10, maxWaitMs: 60_000, weight: (n) => n });
  const never = () => false;
  /** Whether `p` has settled once pending microtasks ran. */
  const settled = async (p: Promise<void>) => {
    let done = false;
    void p.then(() => (done = true));
    await Promise.resolve();
    await Promise.resolve();
    return done;
  };

  it("resolves at once below the limit, and waits at or above it", async () => {
    const b = make();
    b.push(7);
    expect(b.weight()).toBe(7);
    expect(await settled(b.room(8))).toBe(true);
    b.push(1);
    expect(b.weight()).toBe(8);
    expect(await settled(b.room(8))).toBe(false);
  });

  it("ends the wait when a batch taken leaves less than the limit, not before", async () => {
    const b = make();
    for (const w of [6, 6, 6, 6]) b.push(w); // 24 in hand
    const room = b.room(13);
    await expect(b.next(never)).resolves.toEqual([6]); // 18 left
    expect(await settled(room)).toBe(false);
    await expect(b.next(never)).resolves.toEqual([6]); // 12 left
    expect(await settled(room)).toBe(true);
    expect(b.weight()).toBe(12);
  });

  it("ends the wait on takeAll and on wake()", async () => {
    const b = make();
    b.push(20);
    const first = b.room(5);
    b.takeAll();
    expect(await settled(first)).toBe(true);
    b.push(20);
    const second = b.room(5);
    b.wake();
    expect(await settled(second)).toBe(true);
    expect(b.weight()).toBe(20);
  });
});
