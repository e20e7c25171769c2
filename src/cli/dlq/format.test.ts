import { describe, expect, it } from "vitest";
import type { PayloadView } from "../../dlq/index.ts";
import { payloadText } from "./format.ts";

describe("payloadText", () => {
  it.each([
    [
      { encoding: "json", value: { id: "e1", n: 1 } } as const,
      20,
      'payload (json, 20 bytes):\n{\n  "id": "e1",\n  "n": 1\n}',
    ],
    [{ encoding: "utf8", value: "not json" } as const, 8, "payload (utf8, 8 bytes):\nnot json"],
    [{ encoding: "base64", value: "/wA=" } as const, 2, "payload (base64, 2 bytes):\n/wA="],
  ])("a body: %j", (view, bytes, text) => {
    expect(payloadText(view, bytes)).toBe(text);
  });

  it("a pack: the count, then each event numbered, a line that is not JSON as text", () => {
    const view: PayloadView = {
      encoding: "pack",
      events: [
        { encoding: "json", value: { id: "e1" } },
        { encoding: "utf8", value: '{"id":"e2","ty' },
        { encoding: "base64", value: "e/99" },
        { encoding: "json", value: { id: "e4" } },
      ],
    };
    expect(payloadText(view, 61)).toBe(
      [
        "payload (pack of 4 events, 61 bytes):",
        "event 1 (json):",
        '{\n  "id": "e1"\n}',
        "event 2 (utf8):",
        '{"id":"e2","ty',
        "event 3 (base64):",
        "e/99",
        "event 4 (json):",
        '{\n  "id": "e4"\n}',
      ].join("\n"),
    );
  });

  it("a pack of one event", () => {
    expect(payloadText({ encoding: "pack", events: [{ encoding: "json", value: 1 }] }, 1)).toBe(
      "payload (pack of 1 event, 1 bytes):\nevent 1 (json):\n1",
    );
  });
});
