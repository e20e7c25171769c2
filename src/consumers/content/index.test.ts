import { describe, expect, it } from "vitest";
import type { InboundMessage } from "../../bus/index.ts";
import type { Store } from "../../store/index.ts";
import { createTableConsumer } from "../table-consumer.ts";
import { content } from "./index.ts";

const msg = (body: unknown): InboundMessage => ({
  subject: "s",
  data: new TextEncoder().encode(JSON.stringify(body)),
  header: () => undefined,
  streamSeq: 1,
  deliveryCount: 1,
});
const consumer = createTableConsumer(content, { store: {} as Store });

describe("content consumer", () => {
  it("turns video.encoding.completed into a catalog row versioned by the server's receipt, not its timestamp", () => {
    const body = {
      id: "c1",
      type: "video.encoding.completed",
      timestamp: "2026-01-01T00:00:00Z",
      video_id: "vid",
      title: "T",
      duration_ms: 60_000,
      genres: ["drama"],
      received_at: 1,
    };
    expect(consumer.prepare(msg(body))).toEqual({
      kind: "ok",
      rows: [
        {
          video_id: "vid",
          title: "T",
          duration_ms: 60_000,
          genres: ["drama"],
          version: 1 * 1000 + 1,
          event_id: "c1",
          received_ms: 1,
          stored_ms: 0,
          trace_id: "",
        },
      ],
    });
  });

  it("dead-letters a play event", () => {
    const body = {
      id: "e1",
      type: "user.video.paused",
      timestamp: "2026-01-01T00:00:00Z",
      user_id: "u",
      view_id: "v",
      video_id: "m",
      position_ms: 0,
      received_at: 1,
    };
    expect(consumer.prepare(msg(body))).toEqual({
      kind: "dead-letter",
      reason: "invalid: content does not handle user.video.paused",
    });
  });
});
