import { describe, expect, it } from "vitest";
import type { InboundMessage, Outcome } from "../../bus/index.ts";
import type { Store } from "../../store/index.ts";
import { createTableConsumer } from "../table-consumer.ts";
import { analytics, type EventRow } from "./index.ts";

const RECEIVED = 1_767_268_800_123;
const TS = "2026-01-01T12:00:00.000Z";
const base = {
  id: "e1",
  timestamp: TS,
  user_id: "u1",
  view_id: "v1",
  video_id: "vid-1",
  position_ms: 5000,
  received_at: RECEIVED,
};
const msg = (body: unknown, deliveryCount = 1): InboundMessage => ({
  subject: "user.video.heartbeat",
  data: new TextEncoder().encode(typeof body === "string" ? body : JSON.stringify(body)),
  header: (n) => (n === "traceparent" ? "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01" : undefined),
  streamSeq: 7,
  deliveryCount,
});
const store = {} as Store;
const consumer = createTableConsumer(analytics, { store });
/** The engine's own JSON.parse message (its wording changes between Node versions). */
const jsonError = (text: string) => {
  try {
    JSON.parse(text);
    return "";
  } catch (err: unknown) {
    return err instanceof Error ? err.message : String(err);
  }
};
const row = (o: Outcome<EventRow>) => (o.kind === "ok" ? o.rows[0] : o);

describe("analytics consumer: schema versions side by side", () => {
  it.each([
    [
      "heartbeat v1",
      { ...base, type: "user.video.heartbeat", played_ms: 60_000, rebuffer_ms: 1200 },
      { schema_version: 1, played_ms: 60_000, rebuffer_ms: 1200 },
    ],
    [
      "heartbeat v2",
      { ...base, type: "user.video.heartbeat", schema_version: 2, played_ms: 60_000, stall_ms: 1200 },
      { schema_version: 2, played_ms: 60_000, rebuffer_ms: 1200 },
    ],
    [
      "failed v1",
      { ...base, type: "user.video.failed", error_code: "E", fatal: true },
      { schema_version: 1, played_ms: 0, fatal: 1, error_code: "E" },
    ],
    [
      "failed v2 with played_ms",
      { ...base, type: "user.video.failed", schema_version: 2, error_code: "E", fatal: true, played_ms: 9000 },
      { schema_version: 2, played_ms: 9000, fatal: 1 },
    ],
  ])("stores %s with the version it was sent with", (_name, body, expected) => {
    expect(row(consumer.prepare(msg(body)))).toMatchObject({
      id: "e1",
      stream_seq: 7,
      trace_id: "0af7651916cd43dd8448eb211c80319c",
      ...expected,
    });
  });
});

describe("analytics consumer: failures by kind", () => {
  const hb = { ...base, type: "user.video.heartbeat", played_ms: 1, rebuffer_ms: 2 };
  it.each<[string, unknown, number, Outcome<EventRow>]>([
    [
      "undecodable bytes: dead-letter at once",
      "{",
      1,
      { kind: "dead-letter", reason: `undecodable: body is not valid UTF-8 JSON: ${jsonError("{")}` },
    ],
    [
      "invalid for its version: dead-letter at once",
      { ...hb, played_ms: "1" },
      1,
      { kind: "dead-letter", reason: "invalid: played_ms: must be an integer between 0 and 2592000000, got a string" },
    ],
    [
      "a content event: dead-letter at once",
      {
        ...base,
        type: "video.encoding.completed",
        video_id: "v",
        title: "T",
        duration_ms: 1,
        genres: [],
        user_id: undefined,
        view_id: undefined,
        position_ms: undefined,
      },
      1,
      { kind: "dead-letter", reason: "invalid: analytics does not handle video.encoding.completed" },
    ],
    [
      "a retired version: dead-letter at once",
      { ...hb, schema_version: 0 },
      1,
      {
        kind: "dead-letter",
        reason:
          "unupcastable: schema_version: user.video.heartbeat v0 is not supported (versions 1, 2) and cannot be upcast",
      },
    ],
    [
      "an unknown newer version: retry with backoff (attempt 1)",
      { ...hb, schema_version: 9 },
      1,
      {
        kind: "retry",
        delayMs: 500,
        reason:
          "unknown_version: schema_version: user.video.heartbeat v9 is newer than this consumer knows (latest v2); deploy a consumer that knows it, then redrive",
      },
    ],
    [
      "an unknown newer version: retry with backoff (attempt 4)",
      { ...hb, schema_version: 9 },
      4,
      {
        kind: "retry",
        delayMs: 4000,
        reason:
          "unknown_version: schema_version: user.video.heartbeat v9 is newer than this consumer knows (latest v2); deploy a consumer that knows it, then redrive",
      },
    ],
  ])("%s", (_name, body, attempt, expected) => {
    expect(consumer.prepare(msg(body, attempt))).toEqual(expected);
  });
});
