import { describe, expect, it } from "vitest";
import type { OutboundMessage, PublishOutcome } from "../../bus/index.ts";
import { createQuarantineSink } from "./sink.ts";

const enc = (s: string) => new TextEncoder().encode(s);

describe("createQuarantineSink", () => {
  it("publishes one message per rejected item to quarantine.<kind>, keyed by the record id, without waiting", async () => {
    const sent: OutboundMessage[][] = [];
    let release: (o: PublishOutcome[]) => void = () => undefined;
    const errors: [unknown, number][] = [];
    let n = 0;
    const sink = createQuarantineSink({
      publish: (m) => {
        sent.push([...m]);
        return new Promise((r) => (release = r));
      },
      prefix: "t1.",
      maxPayloadBytes: 1024,
      onError: (err, lost) => errors.push([err, lost]),
      newId: () => `q${++n}`,
    });
    sink.items(
      enc("[]"),
      [{ value: { id: "a" } }, { value: 1 }],
      [
        { index: 0, id: "a", status: "accepted" },
        { index: 1, id: null, status: "rejected", error: "event: must be a JSON object, got a number" },
      ],
      "application/json",
      5,
    );
    sink.body(enc("{x"), "invalid_json", "the body is not valid JSON", "application/json", 6);
    expect(
      sent.map((batch) =>
        batch.map((m) => [m.subject, m.msgId, JSON.parse(new TextDecoder().decode(m.data)) as unknown]),
      ),
    ).toEqual([
      [
        [
          "t1.quarantine.schema_violation",
          "q1",
          expect.objectContaining({ id: "q1", item_index: 1, payload: "1", received_ms: 5 }),
        ],
      ],
      [
        [
          "t1.quarantine.invalid_json",
          "q2",
          expect.objectContaining({ id: "q2", item_index: -1, payload: "{x", received_ms: 6 }),
        ],
      ],
    ]);
    release([{ status: "failed", reason: "unavailable", message: "not connected to NATS" }]);
    await Promise.resolve();
    await Promise.resolve();
    expect(errors.map(([e, lost]) => [e instanceof Error ? e.message : e, lost])).toEqual([
      ["quarantine publish failed: not connected to NATS", 1],
    ]);
  });

  it("publishes nothing when every item was accepted", () => {
    const sent: unknown[] = [];
    const sink = createQuarantineSink({
      publish: (m) => (sent.push(m), Promise.resolve([])),
      prefix: "",
      maxPayloadBytes: 1024,
      onError: () => undefined,
    });
    sink.items(enc("{}"), [{ value: {} }], [{ index: 0, id: "a", status: "accepted" }], "application/json", 1);
    expect(sent).toEqual([]);
  });
});
