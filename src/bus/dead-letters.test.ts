import { headers } from "@nats-io/transport-node";
import { describe, expect, it } from "vitest";
import { deadLetterHeaders, headerValue } from "./dead-letters.ts";

describe("deadLetterHeaders", () => {
  const original = () => {
    const h = headers();
    h.set("Nats-Msg-Id", "e12");
    h.set("traceparent", "00-aa-bb-01");
    h.append("x-many", "1");
    h.append("x-many", "2");
    return h;
  };
  const source = { subject: "t1.user.video.played", data: new Uint8Array([12]), seq: 12, deliveryCount: 2 };
  const record = (h: ReturnType<typeof headers>) => Object.fromEntries([...h].map(([k, vs]) => [k, [...vs]]));

  it("keeps the original's headers but its message id, and adds the Playpulse-Dlq-* headers", () => {
    const h = deadLetterHeaders({ ...source, headers: original() }, "analytics", "invalid: x", Date.UTC(2026, 0, 1));
    expect(record(h)).toEqual({
      traceparent: ["00-aa-bb-01"],
      "x-many": ["1", "2"],
      "Playpulse-Dlq-Consumer": ["analytics"],
      "Playpulse-Dlq-Error": ["invalid: x"],
      "Playpulse-Dlq-Attempts": ["2"],
      "Playpulse-Dlq-Subject": ["t1.user.video.played"],
      "Playpulse-Dlq-Stream-Seq": ["12"],
      "Playpulse-Dlq-Time": ["2026-01-01T00:00:00.000Z"],
      "Playpulse-Dlq-Msg-Id": ["e12"],
    });
  });

  it("works for a message without headers (no Playpulse-Dlq-Msg-Id then)", () => {
    const h = deadLetterHeaders(source, "content", "undecodable: y", 0);
    expect(record(h)).toMatchObject({
      "Playpulse-Dlq-Consumer": ["content"],
      "Playpulse-Dlq-Error": ["undecodable: y"],
    });
    expect(h.has("Playpulse-Dlq-Msg-Id")).toBe(false);
  });

  it.each([
    ["a\nb\r\nc", 1000, "a b c"],
    ["x".repeat(1200), 1000, "x".repeat(1000)],
    ["short", 3, "sho"],
  ])("headerValue(%j, %i) puts the reason on one line, cut", (text, max, expected) => {
    expect(headerValue(text, max)).toBe(expected);
  });
});
