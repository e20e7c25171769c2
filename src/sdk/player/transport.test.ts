import { describe, expect, it } from "vitest";
import type { VideoEvent } from "../../events/types.ts";
import { backoff, createTransport, type TransportEnv } from "./transport.ts";

const ev = (id: string): VideoEvent => ({
  id,
  type: "user.video.heartbeat",
  timestamp: "2026-01-01T00:00:00.000Z",
  schema_version: 1,
  user_id: "u",
  view_id: "v",
  video_id: "m",
  position_ms: 0,
  played_ms: 0,
  rebuffer_ms: 0,
});

/** A page with a manual timer queue and a scripted edge. */
function page(answers: (number | "network")[]) {
  const requests: { url: string; ids: string[]; auth: string | undefined }[] = [];
  const beacons: { url: string; ids: string[] }[] = [];
  const timers: { fn: () => void; ms: number; id: number }[] = [];
  let next = 1;
  const env: TransportEnv = {
    fetch: (url, init) => {
      const ids = (JSON.parse(init.body as string) as VideoEvent[]).map((e) => e.id);
      requests.push({ url, ids, auth: (init.headers as Record<string, string>).authorization });
      const a = answers.shift() ?? 202;
      return a === "network" ? Promise.reject(new TypeError("Failed to fetch")) : Promise.resolve({ status: a });
    },
    sendBeacon: (url, body) => {
      beacons.push({ url, ids: body.split("\n").map((l) => (JSON.parse(l) as VideoEvent).id) });
      return true;
    },
    setTimeout: (fn, ms) => {
      timers.push({ fn, ms, id: next });
      return next++;
    },
    clearTimeout: (h) => {
      const i = timers.findIndex((t) => t.id === h);
      if (i >= 0) timers.splice(i, 1);
    },
    random: () => 0.5,
  };
  const settle = () => new Promise((r) => setTimeout(r, 0));
  /** Lets answers settle, runs the earliest timer, lets its answer settle; returns the timer's delay. */
  const tick = async () => {
    await settle();
    const t = timers.shift();
    t?.fn();
    await settle();
    return t?.ms;
  };
  return { env, requests, beacons, timers, tick, settle };
}

const opts = { endpoint: "https://edge.example/", key: "pk_1", flushIntervalMs: 3000, maxBatch: 3, maxQueue: 5 };

describe("transport", () => {
  it("sends a batch at maxBatch events, and the rest after flushIntervalMs", async () => {
    const p = page([]);
    const t = createTransport(opts, p.env);
    for (const id of ["a", "b", "c", "d"]) t.push(ev(id));
    await p.settle();
    expect(p.requests).toEqual([{ url: "https://edge.example/v1/events", ids: ["a", "b", "c"], auth: "Bearer pk_1" }]);
    expect(await p.tick()).toBe(3000);
    expect(p.requests.map((r) => r.ids)).toEqual([["a", "b", "c"], ["d"]]);
  });

  it.each([[503], [429], ["network" as const]])(
    "retries the same ids after %s with jittered backoff",
    async (first) => {
      const p = page([first, first, 202]);
      const t = createTransport(opts, p.env);
      t.push(ev("a"));
      t.flush();
      await p.settle();
      t.flush(); // a flush while waiting to retry does not jump the backoff
      const delays = [await p.tick(), await p.tick()];
      expect(p.requests.map((r) => r.ids)).toEqual([["a"], ["a"], ["a"]]);
      expect(delays).toEqual([backoff(1, () => 0.5), backoff(2, () => 0.5)]);
      expect(delays).toEqual([1000, 2000]);
    },
  );

  it.each([[400], [401], [403], [413]])("does not retry a %i", async (status) => {
    const p = page([status]);
    const t = createTransport(opts, p.env);
    t.push(ev("a"));
    t.flush();
    await p.settle();
    expect(p.timers).toEqual([]);
    expect(p.requests).toHaveLength(1);
  });

  it("backs off exponentially up to 60 s with full jitter", () => {
    expect([1, 2, 3, 10].map((a) => backoff(a, () => 0.999999))).toEqual([1999, 3999, 7999, 59999]);
    expect(backoff(5, () => 0)).toBe(0);
  });

  it("drops the oldest events when the queue is full, and counts them", () => {
    const p = page([]);
    const t = createTransport({ ...opts, maxBatch: 100 }, p.env);
    for (const id of ["1", "2", "3", "4", "5", "6", "7"]) t.push(ev(id));
    expect(t.dropped()).toBe(2);
    t.beacon(true);
    expect(p.beacons).toEqual([{ url: "https://edge.example/v1/events?key=pk_1", ids: ["3", "4", "5", "6", "7"] }]);
  });

  it("beacons the batch waiting for a retry too, then sends nothing more once closed", async () => {
    const p = page([503]);
    const t = createTransport(opts, p.env);
    t.push(ev("a"));
    t.flush();
    await p.settle();
    t.push(ev("b"));
    t.beacon(true);
    expect(p.beacons.map((b) => b.ids)).toEqual([["a", "b"]]);
    t.push(ev("c"));
    t.flush();
    expect(p.timers).toEqual([]);
    expect(p.requests).toHaveLength(1);
  });
});
