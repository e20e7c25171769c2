import { describe, expect, it } from "vitest";
import { receiptOf } from "./receipt.ts";
import { ERASURE_STORES, type ErasureRow } from "./stores.ts";

const ID = `er_${"a".repeat(32)}`;
const row = (store: string, state: string, updated_ms: number): ErasureRow => ({
  erasure_id: ID,
  store,
  state,
  user_hash: "h",
  requested_ms: 1000,
  suppress_until_ms: 5000,
  updated_ms,
  detail: "",
});
const request = row("request", "requested", 1000);

describe("receiptOf", () => {
  it("is undefined without a request row", () => {
    expect(receiptOf(ID, [row("events", "done", 2000)])).toBeUndefined();
  });

  it("says pending with every store pending right after the request", () => {
    const r = receiptOf(ID, [request]);
    expect(r).toEqual({
      erasure_id: ID,
      state: "pending",
      requested_at: "1970-01-01T00:00:01.000Z",
      completed_at: null,
      suppressed_until: "1970-01-01T00:00:05.000Z",
      stores: ERASURE_STORES.map((store) => ({ store, state: "pending", updated_at: null, detail: "" })),
      other_copies: [],
    });
  });

  it("says when the copies erasure does not delete are gone: the request time plus each one's max_age", () => {
    const copies = [
      { where: "dead letters (PLAYPULSE_DLQ)", maxAgeMs: 30 * 86_400_000 },
      { where: "each region's own stream", maxAgeMs: 7 * 86_400_000 },
    ];
    expect(receiptOf(ID, [request], copies)?.other_copies).toEqual([
      { where: "dead letters (PLAYPULSE_DLQ)", expires_by: new Date(1000 + 30 * 86_400_000).toISOString() },
      { where: "each region's own stream", expires_by: new Date(1000 + 7 * 86_400_000).toISOString() },
    ]);
  });

  it("says done only when every store is done, completed at the last store's time", () => {
    const all = ERASURE_STORES.map((s, i) => row(s, "done", 2000 + i));
    expect(receiptOf(ID, [request, ...all.slice(0, -1)])?.state).toBe("pending");
    const r = receiptOf(ID, [request, ...all]);
    expect([r?.state, r?.completed_at]).toEqual(["done", new Date(2000 + ERASURE_STORES.length - 1).toISOString()]);
  });

  it("does not count a store done by an earlier request (before requested_ms)", () => {
    const old = ERASURE_STORES.map((s) => row(s, "done", 999));
    expect(receiptOf(ID, [request, ...old])?.stores.map((s) => s.state)).toEqual(ERASURE_STORES.map(() => "pending"));
  });

  it.each([
    ["running", "running"],
    ["done", "done"],
    ["anything else", "running"],
  ])("maps a store row in state %s to %s", (state, shown) => {
    expect(receiptOf(ID, [request, row("events", state, 1500)])?.stores[0]?.state).toBe(shown);
  });
});
