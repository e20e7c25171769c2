import { describe, expect, it } from "vitest";
import { PACK_HEADER, packLines } from "../events/index.ts";
import { eventCount, payloadView } from "./payload.ts";

const bytes = (s: string) => new TextEncoder().encode(s);
const event = (id: string) => ({ id, type: "user.video.paused", position_ms: 5, received_at: 1 });
const line = (id: string) => bytes(JSON.stringify(event(id)));
const PACK = { [PACK_HEADER]: ["3"] };

describe("payloadView", () => {
  it.each([
    ["JSON", bytes('{"a":1}'), {}, { encoding: "json", value: { a: 1 } }],
    ["text", bytes("not json"), {}, { encoding: "utf8", value: "not json" }],
    ["bytes that are not UTF-8", new Uint8Array([0xff, 0x00]), {}, { encoding: "base64", value: "/wA=" }],
    // Without the header, lines of JSON are one body that does not parse: as before, text.
    [
      "two lines without the pack header",
      bytes('{"a":1}\n{"a":2}'),
      {},
      { encoding: "utf8", value: '{"a":1}\n{"a":2}' },
    ],
  ])("shows %s as one body", (_, data, headers, expected) => {
    expect(payloadView(data, headers)).toEqual(expected);
  });

  it("shows a pack as its events, in order, a line that is not JSON as text", () => {
    const data = packLines([line("e1"), bytes('{"id":"e2","type":"user.vid'), line("e3")]);
    expect(payloadView(data, PACK)).toEqual({
      encoding: "pack",
      events: [
        { encoding: "json", value: event("e1") },
        { encoding: "utf8", value: '{"id":"e2","type":"user.vid' },
        { encoding: "json", value: event("e3") },
      ],
    });
  });

  it("shows a pack that is not UTF-8 line by line: the bad line in base64, the others as JSON", () => {
    const data = packLines([line("e1"), new Uint8Array([0x7b, 0xff, 0x7d]), line("e3")]);
    expect(payloadView(data, PACK)).toEqual({
      encoding: "pack",
      events: [
        { encoding: "json", value: event("e1") },
        { encoding: "base64", value: "e/99" },
        { encoding: "json", value: event("e3") },
      ],
    });
  });

  it("shows a pack of one event, and an empty pack body as one empty line", () => {
    expect(payloadView(line("e1"), { [PACK_HEADER]: ["1"] })).toEqual({
      encoding: "pack",
      events: [{ encoding: "json", value: event("e1") }],
    });
    expect(payloadView(new Uint8Array(), PACK)).toEqual({
      encoding: "pack",
      events: [{ encoding: "utf8", value: "" }],
    });
  });
});

describe("eventCount", () => {
  it.each([
    ["a message that is not a pack, whatever its lines", bytes("a\nb"), {}, 1],
    ["a pack: its lines", packLines([line("e1"), bytes("x"), line("e3")]), PACK, 3],
    // The count is what show shows, not what the header claims.
    ["a pack whose header claims more", line("e1"), PACK, 1],
  ])("%s", (_, data, headers, n) => {
    expect(eventCount(data, headers)).toBe(n);
  });
});
