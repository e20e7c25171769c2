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
