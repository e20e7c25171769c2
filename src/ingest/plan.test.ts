import { describe, expect, it } from "vitest";
import { createValidator, encodeStoredEvent, type PlayEvent } from "../events/index.ts";
import type { Item } from "./body.ts";
import { planBatch, plannedData, summarize, type EventResult } from "./plan.ts";

const NOW = Date.parse("2026-01-01T12:00:00Z");
const RECEIVED = NOW + 7;

function validator() {
  let n = 0;
  return createValidator({ now: () => NOW, newId: () => `gen-${++n}` });
}

const paused = (id: string | undefined, extra: Record<string, unknown> = {}) => ({
  ...(id === undefined ? {} : { id }),
  type: "user.video.paused",
  timestamp: "2026-01-01T11:00:00Z",
  user_id: "u1",
  view_id: "v1",
  video_id: "m1",
  position_ms: 1000,
  ...extra,
});
const normalised = (id: string, extra: Record<string, unknown> = {}): PlayEvent =>
  ({ ...paused(id, extra), schema_version: 1 }) as PlayEvent;
const item = (value: unknown): Item => ({ value });

describe("planBatch", () => {
  it("plans a mix of accepted, in-batch duplicate, parse error, invalid and generated-id events", () => {
    const items: Item[] = [
      item(paused("e1")),
      item(paused("e2", { position_ms: 2000 })),
      item(paused("e1", { position_ms: 9999 })), // same id, other content: still a duplicate of index 0
      { parseError: "event: invalid JSON: Unexpected end of JSON input" },
      item(paused("e4", { user_id: "" })),
      item(paused(undefined)),
      item(paused(undefined)),
      item({ id: 7, type: "user.video.paused" }),
      item([]),
      item(paused("e2")),
    ];
    const plan = planBatch(items, validator(), { maxEventBytes: 32 * 1024, receivedAt: RECEIVED });
    expect(plan.results).toEqual<EventResult[]>([
      { index: 0, id: "e1", status: "accepted" },
      { index: 1, id: "e2", status: "accepted" },
      { index: 2, id: "e1", status: "duplicate" },
      { index: 3, id: null, status: "rejected", error: "event: invalid JSON: Unexpected end of JSON input" },
      { index: 4, id: "e4", status: "rejected", error: "user_id: must be 1-128 characters long, got 0" },
      { index: 5, id: "gen-1", status: "accepted" },
      { index: 6, id: "gen-2", status: "accepted" },
      {
        index: 7,
        id: null,
        status: "rejected",
        error: "id: must be 1-64 characters of A-Z a-z 0-9 . _ : -, got a number",
      },
      { index: 8, id: null, status: "rejected", error: "event: must be a JSON object, got an array" },
      { index: 9, id: "e2", status: "duplicate" },
    ]);
    const expected = [
      { index: 0, event: normalised("e1") },
      { index: 1, event: normalised("e2", { position_ms: 2000 }) },
      { index: 5, event: normalised("gen-1") },
      { index: 6, event: normalised("gen-2") },
    ];
    const decoded = plan.publish.map((p) => ({
      index: p.index,
      event: p.event,
      body: JSON.parse(p.text) as unknown,
    }));
    expect(plan.publish.map((p) => p.bytes)).toEqual(plan.publish.map((p) => plannedData(p).byteLength));
    expect(decoded).toEqual(expected.map((p) => ({ ...p, body: { ...p.event, received_at: RECEIVED } })));
    expect(summarize(plan.results)).toEqual({ accepted: 4, duplicates: 2, rejected: 4, results: plan.results });
  });

  it("plans nothing to publish when every event is rejected", () => {
    const plan = planBatch([item({}), { parseError: "event: invalid JSON: x" }], validator(), {
      maxEventBytes: 1024,
      receivedAt: RECEIVED,
    });
    expect(plan).toEqual({
      publish: [],
      results: [
        { index: 0, id: null, status: "rejected", error: "type: required field is missing" },
        { index: 1, id: null, status: "rejected", error: "event: invalid JSON: x" },
      ],
    });
    expect(summarize(plan.results)).toMatchObject({ accepted: 0, duplicates: 0, rejected: 2 });
  });

  it("measures the per-event limit on the encoded message body, received_at included", () => {
    const event = paused("big", { properties: { note: "n".repeat(200) } });
    const size = encodeStoredEvent(normalised("big", { properties: { note: "n".repeat(200) } }), RECEIVED).byteLength;
    expect(planBatch([item(event)], validator(), { maxEventBytes: size, receivedAt: RECEIVED }).results).toEqual([
      { index: 0, id: "big", status: "accepted" },
    ]);
    expect(planBatch([item(event)], validator(), { maxEventBytes: size - 1, receivedAt: RECEIVED })).toEqual({
      publish: [],
      results: [
        {
          index: 0,
          id: "big",
          status: "rejected",
          error: `event: ${size} bytes exceeds the limit of ${size - 1} bytes per event`,
        },
      ],
    });
  });

  it("does not count an oversized event as seen: a smaller copy with the same id is accepted", () => {
    const big = paused("x1", { properties: { note: "n".repeat(256) } });
    const small = paused("x1");
    const limit = encodeStoredEvent(normalised("x1"), RECEIVED).byteLength;
    const plan = planBatch([item(big), item(small), item(small)], validator(), {
      maxEventBytes: limit,
      receivedAt: RECEIVED,
    });
    expect(plan.results.map((r) => [r.index, r.status])).toEqual([
      [0, "rejected"],
      [1, "accepted"],
      [2, "duplicate"],
    ]);
    expect(plan.publish.map((p) => p.index)).toEqual([1]);
  });

  it("counts multi-byte characters as bytes", () => {
    const event = paused("u8", { cdn: "é".repeat(64) }); // 64 characters, 128 bytes
    const size = encodeStoredEvent(normalised("u8", { cdn: "é".repeat(64) }), RECEIVED).byteLength;
    expect(size).toBe(
      JSON.stringify({ ...normalised("u8", { cdn: "é".repeat(64) }), received_at: RECEIVED }).length + 64,
    );
    expect(
      planBatch([item(event)], validator(), { maxEventBytes: size - 1, receivedAt: RECEIVED }).results[0]?.status,
    ).toBe("rejected");
  });
});

describe("summarize", () => {
  it.each([
    [[], { accepted: 0, duplicates: 0, rejected: 0 }],
    [[{ index: 0, id: "a", status: "duplicate" }], { accepted: 0, duplicates: 1, rejected: 0 }],
    [
      [
        { index: 0, id: "a", status: "accepted" },
        { index: 1, id: "b", status: "accepted" },
        { index: 2, id: null, status: "rejected", error: "x" },
      ],
      { accepted: 2, duplicates: 0, rejected: 1 },
    ],
  ] as [EventResult[], object][])("counts %j", (results, counts) => {
    expect(summarize(results)).toEqual({ ...counts, results });
  });
});
