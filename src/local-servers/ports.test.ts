import { describe, expect, it } from "vitest";
import { isPortClash, retryOnPortClash } from "./ports.ts";

describe("retryOnPortClash", () => {
  it("starts again while a port was taken, and answers the first start that works", async () => {
    const calls: number[] = [];
    const started = await retryOnPortClash(() => {
      calls.push(calls.length + 1);
      if (calls.length < 3)
        return Promise.reject(
          new Error("did not start\n<Error> Application: Net Exception: Address already in use: 127.0.0.1:35287"),
        );
      return Promise.resolve("up");
    });
    expect(started).toBe("up");
    expect(calls).toEqual([1, 2, 3]);
  });

  it("gives up after the last attempt with that attempt's error", async () => {
    let calls = 0;
    await expect(
      retryOnPortClash(() => {
        calls++;
        return Promise.reject(new Error(`listen tcp 127.0.0.1:4222: bind: address already in use (${calls})`));
      }, 2),
    ).rejects.toThrow("address already in use (2)");
    expect(calls).toBe(2);
  });

  it("never retries another failure", async () => {
    let calls = 0;
    await expect(
      retryOnPortClash(() => {
        calls++;
        return Promise.reject(new Error("clickhouse-server not found on PATH"));
      }),
    ).rejects.toThrow("not found on PATH");
    expect(calls).toBe(1);
  });

  it("knows the words of Node, ClickHouse and nats-server for a taken port", () => {
    expect(isPortClash(Object.assign(new Error("listen EADDRINUSE: address already in use 127.0.0.1:80"), {}))).toBe(
      true,
    );
    expect(isPortClash(new Error("Net Exception: Address already in use: 127.0.0.1:35287"))).toBe(true);
    expect(isPortClash(new Error("timed out"))).toBe(false);
    expect(isPortClash("address already in use")).toBe(false);
  });
});
