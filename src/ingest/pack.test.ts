import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { OutboundMessage, PublishOutcome } from "../bus/index.ts";
import {
  PACK_HEADER,
  PACK_TRACES_HEADER,
  packedEvents,
  packedTexts,
  packLines,
  type PlayEvent,
} from "../events/index.ts";
import { mergeHeldWithin, PACK_MAX_BYTES, packBySubject, unpackOutcomes } from "./pack.ts";
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

describe("mergeHeld: held calls of several requests, one message per subject", () => {
  const tp = (n: number) => `00-${String(n).repeat(32)}-${"b".repeat(16)}-01`;
  const lone = (id: string, type: string, headers?: Record<string, string>): OutboundMessage => ({
    subject: `s.${type}`,
    msgId: `web:${id}`,
    data: encoder.encode(JSON.stringify({ id, type })),
    ...(headers ? { headers } : {}),
  });
  const lines = (m: OutboundMessage | undefined) => packedTexts(m?.data ?? new Uint8Array());

  it("packs each subject's messages in the order held, each line's traceparent listed, a lone one as it was", () => {
    const held = [
      lone("a", "hb", { traceparent: tp(1) }),
      lone("b", "play", { traceparent: tp(2) }),
      lone("c", "hb"),
      lone("d", "hb", { traceparent: tp(4), tracestate: "x=1" }),
    ];
    const merged = mergeHeldWithin(held, PACK_MAX_BYTES);
    expect(merged.map((p) => p.members)).toEqual([[0, 2, 3], [1]]);
    const [hb, play] = merged;
    expect(lines(hb?.message)).toEqual(['{"id":"a","type":"hb"}', '{"id":"c","type":"hb"}', '{"id":"d","type":"hb"}']);
    // The message's own trace context is its first line's; each line's is listed, "-" for none.
    expect(hb?.message.headers).toEqual({
      traceparent: tp(1),
      [PACK_HEADER]: "3",
      [PACK_TRACES_HEADER]: `${tp(1)},-,${tp(4)}`,
    });
    // The SHA-256 of each message id and a line break, as for a request's pack.
    expect(hb?.message.msgId).toBe(`pack:${createHash("sha256").update("web:a\nweb:c\nweb:d\n").digest("base64url")}`);
    expect(play?.message).toBe(held[1]);
  });

  it("lists no traces when no line has one", () => {
    const [p] = mergeHeldWithin([lone("a", "hb"), lone("b", "hb")], PACK_MAX_BYTES);
    expect(p?.message.headers).toEqual({ [PACK_HEADER]: "2" });
  });

  it("keeps messages with other headers apart (the region that accepted them)", () => {
    const held = [lone("a", "hb", { r: "eu" }), lone("b", "hb", { r: "us" }), lone("c", "hb", { r: "eu" })];
    const merged = mergeHeldWithin(held, PACK_MAX_BYTES);
    expect(merged.map((p) => [p.members, p.message.headers?.["r"]])).toEqual([
      [[0, 2], "eu"],
      [[1], "us"],
    ]);
  });

  it("takes a request's pack whole: its lines, count and trace, repeated per line", () => {
    const requestPack = packBySubject([planned("p", "hb"), planned("q", "hb")], subjectOf, msgIdOf, {
      traceparent: tp(7),
    });
    const held = [lone("a", "hb", { traceparent: tp(1) }), ...requestPack.map((p) => p.message)];
    const [p] = mergeHeldWithin(held, PACK_MAX_BYTES);
    expect(p?.members).toEqual([0, 1]);
    expect(lines(p?.message)).toEqual(['{"id":"a","type":"hb"}', '{"id":"p","type":"hb"}', '{"id":"q","type":"hb"}']);
    expect(p?.message.headers?.[PACK_HEADER]).toBe("3");
    expect(p?.message.headers?.[PACK_TRACES_HEADER]).toBe(`${tp(1)},${tp(7)},${tp(7)}`);
    // A merged pack merged again keeps its list.
    const [again] = mergeHeldWithin([lone("z", "hb"), p?.message as OutboundMessage], PACK_MAX_BYTES);
    expect(again?.message.headers?.[PACK_TRACES_HEADER]).toBe(`-,${tp(1)},${tp(7)},${tp(7)}`);
  });

  it("cuts a subject's messages into packs of at most maxBytes, one larger than that alone", () => {
    // Each body is 22 bytes, 23 with its newline: two fit in 50 bytes, three do not.
    const held = ["a", "b", "c", "d", "e"].map((id) => lone(id, "hb"));
    const merged = mergeHeldWithin(held, 50);
    expect(merged.map((p) => p.members)).toEqual([[0, 1], [2, 3], [4]]);
    expect(merged.every((p) => p.message.data.byteLength <= 50)).toBe(true);
    expect(mergeHeldWithin(held.slice(0, 2), 10).map((p) => p.members)).toEqual([[0], [1]]);
  });
});
