import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { PublishOutcome } from "../bus/index.ts";
import { PACK_HEADER, packedEvents, packedTexts, packLines, type PlayEvent } from "../events/index.ts";
import { packBySubject, unpackOutcomes } from "./pack.ts";
import type { PlannedPublish } from "./plan.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const planned = (id: string, type: string): PlannedPublish => {
  const text = JSON.stringify({ id, type });
  return { index: 0, event: { id, type } as PlayEvent, text, bytes: encoder.encode(text).byteLength };
};
const subjectOf = (p: PlannedPublish) => `s.${p.event.type}`;
const msgIdOf = (p: PlannedPublish) => `web:${p.event.id}`;

describe("packBySubject", () => {
  const events = [planned("a", "hb"), planned("b", "play"), planned("c", "hb"), planned("d", "hb")];

  it("sends one message per subject, in first-seen order, its events one per line", () => {
    const packed = packBySubject(events, subjectOf, msgIdOf, { traceparent: "t" });
    expect(packed.map((p) => [p.message.subject, p.members])).toEqual([
      ["s.hb", [0, 2, 3]],
      ["s.play", [1]],
    ]);
    const [hb, play] = packed;
    expect(packedEvents(hb?.message.data ?? new Uint8Array()).map((l) => decoder.decode(l))).toEqual([
      '{"id":"a","type":"hb"}',
      '{"id":"c","type":"hb"}',
      '{"id":"d","type":"hb"}',
    ]);
    expect(hb?.message.headers).toEqual({ traceparent: "t", [PACK_HEADER]: "3" });
    // A subject with one event goes as before: unpacked, under the event's own id.
    expect(play?.message).toEqual({
      subject: "s.play",
      msgId: "web:b",
      data: encoder.encode(events[1]?.text),
      headers: { traceparent: "t" },
    });
  });

  it("names a pack after its source and ids: the same request twice gets the same id, another grouping another", () => {
    const id = (list: PlannedPublish[]) => packBySubject(list, subjectOf, msgIdOf, undefined)[0]?.message.msgId;
    const first = id(events);
    expect(first).toMatch(/^pack:[A-Za-z0-9_-]{43}$/);
    // The SHA-256 of each id and a line break: fixed, so a resend after an upgrade stays a duplicate.
    const hb = "web:a\nweb:c\nweb:d\n";
    expect(first).toBe(`pack:${createHash("sha256").update(hb).digest("base64url")}`);
    expect(id(events)).toBe(first);
    expect(id([events[0], events[2]] as PlannedPublish[])).not.toBe(first);
    expect(id([events[2], events[0], events[3]] as PlannedPublish[])).not.toBe(first);
    const otherSource = packBySubject(events, subjectOf, (p) => `app:${p.event.id}`, undefined)[0]?.message.msgId;
    expect(otherSource).not.toBe(first);
  });
});

describe("unpackOutcomes", () => {
  it("gives each event the outcome of the message that carried it", () => {
    const events = [planned("a", "hb"), planned("b", "play"), planned("c", "hb")];
    const packed = packBySubject(events, subjectOf, msgIdOf, undefined);
    const outcomes: PublishOutcome[] = [
      { status: "stored", seq: 7, duplicate: true },
      { status: "stored", seq: 8, duplicate: false },
    ];
    expect(unpackOutcomes(packed, outcomes, 3)).toEqual([outcomes[0], outcomes[1], outcomes[0]]);
  });
});

describe("packedEvents", () => {
  it("splits a body on newlines, and gives an unpacked body whole", () => {
    const lines = (s: string) => packedEvents(encoder.encode(s)).map((l) => decoder.decode(l));
    expect(lines('{"a":1}\n{"b":"x\\ny"}')).toEqual(['{"a":1}', '{"b":"x\\ny"}']);
    expect(lines('{"a":1}')).toEqual(['{"a":1}']);
  });

  it("keeps empty lines where they are, first, last and between", () => {
    const lines = (s: string) => packedEvents(encoder.encode(s)).map((l) => decoder.decode(l));
    expect(lines("")).toEqual([""]);
    expect(lines("\n")).toEqual(["", ""]);
    expect(lines("\na\n\nb\n")).toEqual(["", "a", "", "b", ""]);
  });

  it("is the inverse of packLines, on a body that is a view into a larger buffer", () => {
    const parts = ['{"id":"1"}', "", '{"id":"22"}', '{"s":"é"}'].map((p) => encoder.encode(p));
    const packed = packLines(parts);
    const framed = new Uint8Array(packed.byteLength + 4).fill(0x0a);
    framed.set(packed, 2);
    const view = framed.subarray(2, 2 + packed.byteLength);
    expect(packedEvents(view).map((l) => decoder.decode(l))).toEqual(parts.map((p) => decoder.decode(p)));
  });
});

describe("packedTexts", () => {
  it("gives the lines packedEvents gives, decoded, empty ones and multi-byte ones kept", () => {
    for (const body of ['{"a":1}\n{"b":"x\\ny"}', "", "\n", "\na\n\nb\n", '{"s":"é"}\n{"t":"日本"}']) {
      const bytes = encoder.encode(body);
      expect(packedTexts(bytes)).toEqual(packedEvents(bytes).map((l) => decoder.decode(l)));
    }
  });

  it("gives undefined for a body that is not UTF-8, whichever line holds the bad byte", () => {
    const good = encoder.encode('{"a":1}');
    const bad = new Uint8Array([0x7b, 0xff, 0x7d]);
    expect(packedTexts(packLines([good, bad]))).toBeUndefined();
    expect(packedTexts(packLines([bad, good]))).toBeUndefined();
  });
});

describe("packBySubject: the size of a pack", () => {
  it("cuts a subject's events into packs of at most maxBytes, a lone event unpacked", () => {
    // Each event's JSON is 22 bytes, 23 with its newline: two fit in 50 bytes, three do not.
    const events = ["a", "b", "c", "d", "e"].map((id) => planned(id, "hb"));
    const packed = packBySubject(events, subjectOf, msgIdOf, undefined, 50);
    expect(packed.map((p) => p.members)).toEqual([[0, 1], [2, 3], [4]]);
    expect(packed.map((p) => p.message.headers?.[PACK_HEADER])).toEqual(["2", "2", undefined]);
    expect(packed[2]?.message.msgId).toBe("web:e");
    expect(packed.every((p) => p.message.data.byteLength <= 50)).toBe(true);
  });

  it("sends an event larger than maxBytes alone", () => {
    const packed = packBySubject([planned("a", "hb"), planned("b", "hb")], subjectOf, msgIdOf, undefined, 10);
    expect(packed.map((p) => [p.members, p.message.msgId])).toEqual([
      [[0], "web:a"],
      [[1], "web:b"],
    ]);
  });
});
