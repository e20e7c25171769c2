import { describe, expect, it } from "vitest";
import {
  bodyQuarantineRecord,
  decodeQuarantineRecord,
  encodeQuarantineRecord,
  itemQuarantineRecords,
  truncateUtf8,
  type QuarantineRecord,
} from "./quarantine.ts";

const NOW = 1_767_268_800_000;
let n = 0;
const ctx = (contentType: string, maxPayloadBytes = 64) => ({
  receivedAt: NOW,
  contentType,
  maxPayloadBytes,
  newId: () => `q${++n}`,
});
const bytes = (s: string) => new TextEncoder().encode(s);

describe("truncateUtf8", () => {
  it.each([
    ["abc", 3, { text: "abc", bytes: 3, truncated: false }],
    ["abcd", 3, { text: "abc", bytes: 4, truncated: true }],
    ["aé", 2, { text: "a", bytes: 3, truncated: true }], // é is 2 bytes: never split
    ["🎬🎬", 5, { text: "🎬", bytes: 8, truncated: true }],
  ])("%j cut at %i bytes", (text, max, expected) => {
    expect(truncateUtf8(text, max)).toEqual(expected);
  });
});

describe("itemQuarantineRecords", () => {
  it("keeps each rejected item of a JSON batch, with its reason, index, id and type", () => {
    n = 0;
    const items = [
      { value: { id: "ok-1", type: "user.video.paused" } },
      { value: { id: "bad-1", type: "user.video.paused", position_ms: -1 } },
      { value: 7 },
    ];
    const results = [
      { index: 0, id: "ok-1", status: "accepted" },
      { index: 1, id: "bad-1", status: "rejected", error: "position_ms: must be between 0 and 2592000000, got -1" },
      { index: 2, id: null, status: "rejected", error: "event: must be a JSON object, got a number" },
    ];
    expect(itemQuarantineRecords(bytes("[...]"), items, results, ctx("application/json"))).toEqual<QuarantineRecord[]>([
      {
        id: "q1",
        received_ms: NOW,
        kind: "schema_violation",
        reason: "position_ms: must be between 0 and 2592000000, got -1",
        item_index: 1,
        event_id: "bad-1",
        event_type: "user.video.paused",
        content_type: "application/json",
        payload: '{"id":"bad-1","type":"user.video.paused","position_ms":-1}',
        payload_bytes: 58,
        truncated: false,
      },
      {
        id: "q2",
        received_ms: NOW,
        kind: "schema_violation",
        reason: "event: must be a JSON object, got a number",
        item_index: 2,
        event_id: "",
        event_type: "",
        content_type: "application/json",
        payload: "7",
        payload_bytes: 1,
        truncated: false,
      },
    ]);
  });

  it("takes the raw NDJSON line of an unparseable item and truncates long payloads", () => {
    n = 0;
    const body = bytes(`{"id":"a"}\n\n{not json\n{"id":"big","type":"user.video.played","x":"${"x".repeat(100)}"}\n`);
    const items = [
      { value: { id: "a" } },
      { parseError: "event: invalid JSON: Expected property name" },
      { value: { id: "big", type: "user.video.played", x: "x".repeat(100) } },
    ];
    const results = [
      { index: 0, id: "a", status: "accepted" },
      { index: 1, id: null, status: "rejected", error: "event: invalid JSON: Expected property name" },
      {
        index: 2,
        id: "big",
        status: "rejected",
        error: "event: 40000 bytes exceeds the limit of 32768 bytes per event",
      },
    ];
    const [line, big] = itemQuarantineRecords(body, items, results, ctx("application/x-ndjson; charset=utf-8", 32));
    expect(line).toMatchObject({
      kind: "invalid_json",
      item_index: 1,
      payload: "{not json",
      payload_bytes: 9,
      truncated: false,
      event_id: "",
    });
    expect(big).toMatchObject({
      kind: "size_violation",
      item_index: 2,
      event_id: "big",
      event_type: "user.video.played",
      payload: `{"id":"big","type":"user.video.p`,
      payload_bytes: 146,
      truncated: true,
    });
  });

  it("returns nothing when nothing was rejected", () => {
    expect(
      itemQuarantineRecords(
        bytes("{}"),
        [{ value: {} }],
        [{ index: 0, id: "x", status: "duplicate" }],
        ctx("application/json"),
      ),
    ).toEqual([]);
  });
});

describe("bodyQuarantineRecord", () => {
  it.each([
    ["invalid_json", "invalid_json"],
    ["payload_too_large", "size_violation"],
    ["bad_encoding", "invalid_body"],
    ["unsupported_media_type", "invalid_body"],
  ] as const)("maps %s to kind %s and keeps the raw body", (code, kind) => {
    n = 0;
    expect(bodyQuarantineRecord(bytes("{oops"), code, "the body is bad", ctx("text/plain"))).toEqual({
      id: "q1",
      received_ms: NOW,
      kind,
      reason: `${code}: the body is bad`,
      item_index: -1,
      event_id: "",
      event_type: "",
      content_type: "text/plain",
      payload: "{oops",
      payload_bytes: 5,
      truncated: false,
    });
  });

  it("replaces invalid UTF-8 and truncates", () => {
    const body = new Uint8Array([0x7b, 0xff, 0xfe, ...bytes("x".repeat(100))]);
    expect(bodyQuarantineRecord(body, "bad_encoding", "not UTF-8", ctx("application/json", 8))).toMatchObject({
      payload: "{\uFFFD\uFFFDx",
      payload_bytes: 103,
      truncated: true,
    });
  });
});

describe("encode/decodeQuarantineRecord", () => {
  const r: QuarantineRecord = {
    id: "q1",
    received_ms: NOW,
    kind: "invalid_body",
    reason: "r",
    item_index: -1,
    event_id: "",
    event_type: "",
    content_type: "",
    payload: "p",
    payload_bytes: 1,
    truncated: false,
  };
  it("round-trips", () => {
    expect(decodeQuarantineRecord(encodeQuarantineRecord(r))).toEqual({ ok: true, record: r });
  });
  it.each([
    [{ ...r, kind: "other" }, "kind: must be one of invalid_json, schema_violation, size_violation, invalid_body"],
    [{ ...r, item_index: -2 }, "item_index: must be an integer ≥ -1"],
    [{ ...r, payload: 1 }, "payload: must be a string"],
    [{ ...r, truncated: "no" }, "truncated: must be a boolean"],
  ])("rejects %j", (bad, error) => {
    expect(decodeQuarantineRecord(bytes(JSON.stringify(bad)))).toEqual({ ok: false, error });
  });
});
