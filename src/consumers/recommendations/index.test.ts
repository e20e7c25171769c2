import { describe, expect, it } from "vitest";
import type { InboundMessage } from "../../bus/index.ts";
import type { Store } from "../../store/index.ts";
import { createTableConsumer } from "../table-consumer.ts";
import { recommendations } from "./index.ts";

const base = {
  id: "e1",
  timestamp: "2026-01-01T12:00:00.000Z",
  user_id: "u1",
  view_id: "v1",
  video_id: "vid-1",
  position_ms: 5000,
  received_at: 1,
};
const msg = (body: unknown): InboundMessage => ({
  subject: "s",
  data: new TextEncoder().encode(JSON.stringify(body)),
  header: () => undefined,
  streamSeq: 1,
  deliveryCount: 1,
});
const consumer = createTableConsumer(recommendations, { store: {} as Store });

describe("recommendations consumer", () => {
  it.each([
    ["heartbeat v1", { ...base, type: "user.video.heartbeat", played_ms: 31_000, rebuffer_ms: 5 }, 31_000],
    [
      "heartbeat v2",
      { ...base, type: "user.video.heartbeat", schema_version: 2, played_ms: 31_000, stall_ms: 5 },
      31_000,
    ],
    [
      "failed v2 with played_ms",
      { ...base, type: "user.video.failed", schema_version: 2, error_code: "E", fatal: true, played_ms: 45_000 },
      45_000,
    ],
  ])("reads played_ms of %s", (_name, body, played) => {
    expect(consumer.prepare(msg(body))).toMatchObject({
      kind: "ok",
      rows: [{ id: "e1", type: body.type, played_ms: played }],
    });
  });

  it("dead-letters an event before 1970 (ClickHouse cannot store it)", () => {
    expect(consumer.prepare(msg({ ...base, type: "user.video.paused", timestamp: "1960-01-01T00:00:00Z" }))).toEqual({
      kind: "dead-letter",
      reason: "invalid: timestamp: must not be before 1970-01-01T00:00:00Z",
    });
  });
});
