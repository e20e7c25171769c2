import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { fetchClosingRefused, LINGER_MS, type FetchApp } from "./linger.ts";

const ANSWER = '{"error":{"code":"payload_too_large","message":"too large"}}';
const req = () => new Request("http://edge.test/v1/events", { method: "POST", body: "[" });

/** An app that refuses the body (handing over its cancel) or answers without touching it. */
function app(refuse: boolean, cancel: () => unknown = () => undefined): FetchApp {
  return {
    fetch: (_req, env) => {
      if (refuse) env.abandonBody(cancel);
      return new Response(ANSWER, { status: refuse ? 413 : 202, headers: { "content-type": "application/json" } });
    },
  };
}

describe("fetchClosingRefused", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("passes an answer through untouched when no body was refused", async () => {
    const res = await fetchClosingRefused(app(false), req());
    expect({ status: res.status, connection: res.headers.get("connection"), body: await res.text() }).toEqual({
      status: 202,
      connection: null,
      body: ANSWER,
    });
  });

  it("sends the whole answer with Connection: close, cancels the body LINGER_MS later, then ends", async () => {
    const events: string[] = [];
    const res = await fetchClosingRefused(
      app(true, () => events.push("body cancelled")),
      req(),
    );
    expect({
      status: res.status,
      connection: res.headers.get("connection"),
      length: res.headers.get("content-length"),
      type: res.headers.get("content-type"),
    }).toEqual({ status: 413, connection: "close", length: String(ANSWER.length), type: "application/json" });
    const reader = res.body!.getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value as Uint8Array)).toBe(ANSWER);
    const end = reader.read().then((r) => (events.push("answer ended"), r));
    await vi.advanceTimersByTimeAsync(LINGER_MS - 1);
    expect(events).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(await end).toEqual({ done: true, value: undefined });
    expect(events).toEqual(["body cancelled", "answer ended"]);
  });

  it("still cancels the body LINGER_MS later when the answer is cancelled first (Deno, once Content-Length bytes are out)", async () => {
    let cancelled = 0;
    const res = await fetchClosingRefused(
      app(true, () => cancelled++),
      req(),
    );
    const reader = res.body!.getReader();
    await reader.read();
    await reader.cancel();
    await vi.advanceTimersByTimeAsync(LINGER_MS - 1);
    expect(cancelled).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(cancelled).toBe(1);
  });

  it("ends the answer even when cancelling the body fails", async () => {
    const res = await fetchClosingRefused(
      app(true, () => Promise.reject(new Error("already closed"))),
      req(),
    );
    const text = res.text();
    await vi.advanceTimersByTimeAsync(LINGER_MS);
    expect(await text).toBe(ANSWER);
  });
});
