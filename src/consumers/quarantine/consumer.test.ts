import { describe, expect, it } from "vitest";
import { encodeQuarantineRecord, type QuarantineRecord } from "../../events/index.ts";
import type { Store } from "../../store/index.ts";
import { createQuarantineConsumer } from "./consumer.ts";

const msg = (data: Uint8Array) => ({
  subject: "quarantine.schema_violation",
  data,
  header: () => undefined,
  streamSeq: 1,
  deliveryCount: 1,
});

describe("quarantine consumer", () => {
  it("turns unpaired surrogates echoed from bad input into U+FFFD, keeping valid pairs", () => {
    const record: QuarantineRecord = {
      id: "q1",
      received_ms: 1_767_225_600_000,
      kind: "schema_violation",
      reason: "properties.k\ud800: must be a string",
      item_index: 0,
      event_id: "\ud800",
      event_type: "user.video.\ud83c",
      content_type: "application/json",
      payload: '{"id":"\\ud800"} 🎬',
      payload_bytes: 20,
      truncated: false,
    };
    const out = createQuarantineConsumer({ store: {} as Store }).prepare(msg(encodeQuarantineRecord(record)));
    expect(out).toEqual({
      kind: "ok",
      rows: [
        {
          id: "q1",
          received: 1_767_225_600,
          received_ms: 1_767_225_600_000,
          kind: "schema_violation",
          reason: "properties.k\uFFFD: must be a string",
          item_index: 0,
          event_id: "\uFFFD",
          event_type: "user.video.\uFFFD",
          content_type: "application/json",
          payload: '{"id":"\\ud800"} 🎬',
          payload_bytes: 20,
          truncated: 0,
          stored_ms: 0,
        },
      ],
    });
  });
});
