import { describe, expect, it } from "vitest";
import { PACK_HEADER, PACK_TRACES_HEADER, packedEvents, packLines } from "../events/index.ts";
import { erasureIdOf } from "./ids.ts";
import { packWithout, rewriteHeaders, rewriteMsgId } from "./packs.ts";
import { streamEraserOver, type StreamMessage, type StreamOps } from "./stream.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();
const line = (id: string, user: string) => enc.encode(JSON.stringify({ id, type: "user.video.paused", user_id: user }));
const lines = (data: Uint8Array) => packedEvents(data).map((l) => dec.decode(l));

function hdrs(entries: Record<string, string>): StreamMessage["header"] {
  const m = new Map(Object.entries(entries).map(([k, v]) => [k, [v]]));
  return { has: (k) => m.has(k), [Symbol.iterator]: () => m.entries() };
}

const packed = (seq: number, events: Uint8Array[]): StreamMessage => ({
  seq,
  subject: "ns.user.video.paused",
  data: packLines(events),
  header: hdrs({ "Nats-Msg-Id": "pack:abc", traceparent: "00-t-s-01", [PACK_HEADER]: String(events.length) }),
});

/**
 * A stream in memory: get, publish (a `Nats-Msg-Id` seen before is dropped, as within the
 * duplicate window) and delete, each logged; `failDelete` / `failPublish` make the next one throw.
 */
function fakeStream(initial: StreamMessage[]) {
  const msgs = new Map(initial.map((m) => [m.seq, m]));
  const ids = new Set<string>();
  const log: string[] = [];
  let next = 100;
  const fail = { delete: false, publish: false };
  const ops: StreamOps = {
    get: (seq) => Promise.resolve(msgs.get(seq) ?? null),
    publish(subject, data, msgId, headers) {
      if (fail.publish) return Promise.reject(new Error("no responders"));
      log.push(`publish ${msgId}`);
      if (ids.has(msgId)) return Promise.resolve();
      ids.add(msgId);
      const seq = next++;
      msgs.set(seq, { seq, subject, data, header: hdrs(Object.fromEntries([...headers, ["Nats-Msg-Id", msgId]])) });
      return Promise.resolve();
    },
    delete(seq) {
      if (fail.delete) return Promise.reject(new Error("timeout"));
      log.push(`delete ${seq}`);
      return Promise.resolve(msgs.delete(seq));
    },
  };
  return { ops, msgs, log, fail };
}

describe("the stream eraser", () => {
  it("deletes an unpacked message whoever it names, and counts a missing one as absent", async () => {
    const s = fakeStream([{ seq: 1, subject: "x", data: line("e1", "b"), header: hdrs({}) }]);
    expect(await streamEraserOver(s.ops).remove([1, 2], ["a"])).toEqual({ removed: 1, absent: 1, rewritten: 0 });
    expect(s.log).toEqual(["delete 1"]);
  });

  it("republishes a pack's other users' events first, with the original's headers and a corrected count, then deletes it", async () => {
    const s = fakeStream([packed(5, [line("a1", "a"), line("b1", "b"), line("a2", "a"), line("b2", "b")])]);
    expect(await streamEraserOver(s.ops).remove([5], ["a"])).toEqual({ removed: 1, absent: 0, rewritten: 1 });
    const id = `erasure:${erasureIdOf("a")}:5`;
    expect(s.log).toEqual([`publish ${id}`, "delete 5"]);
    const copy = s.msgs.get(100);
    expect([...s.msgs.keys()]).toEqual([100]);
    expect(copy && lines(copy.data)).toEqual([dec.decode(line("b1", "b")), dec.decode(line("b2", "b"))]);
    expect(copy && Object.fromEntries([...copy.header].map(([k, v]) => [k, v.join()]))).toEqual({
      traceparent: "00-t-s-01",
      [PACK_HEADER]: "2",
      "Nats-Msg-Id": id,
    });
  });

  it.each<[string, Uint8Array[], { removed: number; absent: number; rewritten: number }, string[], number[]]>([
    [
      "a pack of the user only is deleted, nothing published",
      [line("a1", "a"), line("a2", "a")],
      { removed: 1, absent: 0, rewritten: 0 },
      ["delete 5"],
      [],
    ],
    [
      "a pack without the user is left as it is",
      [line("b1", "b"), line("c1", "c")],
      { removed: 0, absent: 1, rewritten: 0 },
      [],
      [5],
    ],
  ])("%s", async (_, events, result, log, left) => {
    const s = fakeStream([packed(5, events)]);
    expect(await streamEraserOver(s.ops).remove([5], ["a"])).toEqual(result);
    expect(s.log).toEqual(log);
    expect([...s.msgs.keys()]).toEqual(left);
  });

  it("keeps the original when the copy could not be published (the erasure fails and is retried)", async () => {
    const s = fakeStream([packed(5, [line("a1", "a"), line("b1", "b")])]);
    s.fail.publish = true;
    await expect(streamEraserOver(s.ops).remove([5], ["a"])).rejects.toThrow(/no responders/);
    expect(s.log).toEqual([]);
    expect([...s.msgs.keys()]).toEqual([5]);
  });

  it("is idempotent across retries: a delete that failed after the copy publishes it again under the same id (one copy), a later run finds it gone", async () => {
    const s = fakeStream([packed(5, [line("a1", "a"), line("b1", "b")])]);
    const eraser = streamEraserOver(s.ops);
    s.fail.delete = true;
    await expect(eraser.remove([5], ["a"])).rejects.toThrow(/timeout/);
    s.fail.delete = false;
    expect(await eraser.remove([5], ["a"])).toEqual({ removed: 1, absent: 0, rewritten: 1 });
    expect(await eraser.remove([5], ["a"])).toEqual({ removed: 0, absent: 1, rewritten: 0 });
    const id = `erasure:${erasureIdOf("a")}:5`;
    expect(s.log).toEqual([`publish ${id}`, `publish ${id}`, "delete 5"]);
    expect([...s.msgs.values()].map((m) => [m.seq, lines(m.data)])).toEqual([[100, [dec.decode(line("b1", "b"))]]]);
  });
});

describe("packs without erased users", () => {
  it("takes out the lines of every erased user; a line that is not JSON goes when it holds a quoted id", () => {
    const data = packLines([
      line("a1", "a"),
      line("b1", "b"),
      enc.encode('not json "c"'),
      enc.encode("not json d"),
      line("c1", "c"),
    ]);
    const out = packWithout(data, new Set(["a", "c"]));
    expect({
      kept: out.kept.map((l) => dec.decode(l)),
      keptAt: out.keptAt,
      lines: out.lines,
      removed: out.removed,
    }).toEqual({
      kept: [dec.decode(line("b1", "b")), "not json d"],
      keptAt: [1, 3],
      lines: 5,
      removed: ["a", "c"],
    });
  });

  it("names the copy after the erasure and the sequence; several users by a digest of their erasure ids", () => {
    expect(rewriteMsgId(["u1"], 7)).toBe(`erasure:${erasureIdOf("u1")}:7`);
    expect(rewriteMsgId(["u1", "u2"], 7)).toBe(rewriteMsgId(["u2", "u1"], 7));
    expect(rewriteMsgId(["u1", "u2"], 7)).toMatch(/^erasure:several_[0-9a-f]{32}:7$/);
    expect(rewriteMsgId(["u1", "u2"], 8)).not.toBe(rewriteMsgId(["u1", "u2"], 7));
  });

  it("keeps the original headers but JetStream's own, and corrects the count", () => {
    const h = new Map([
      ["Nats-Msg-Id", ["pack:x"]],
      ["Playpulse-Region", ["eu"]],
      [PACK_HEADER, ["3"]],
    ]);
    expect(rewriteHeaders(h, [2], 3)).toEqual([
      ["Playpulse-Region", "eu"],
      [PACK_HEADER, "1"],
    ]);
  });

  it("keeps the kept lines' traces of a pack merged across requests, the first of them as its traceparent", () => {
    const tp = (n: number) => `00-${String(n).repeat(32)}-${"a".repeat(16)}-01`;
    const h = new Map([
      ["Nats-Msg-Id", ["pack:x"]],
      ["traceparent", [tp(1)]],
      [PACK_HEADER, ["4"]],
      [PACK_TRACES_HEADER, [[tp(1), "-", tp(3), tp(4)].join(",")]],
    ]);
    expect(rewriteHeaders(h, [2, 3], 4)).toEqual([
      ["traceparent", tp(3)],
      [PACK_HEADER, "2"],
      [PACK_TRACES_HEADER, `${tp(3)},${tp(4)}`],
    ]);
    // The first kept line was sent without a trace: the copy has no traceparent.
    expect(rewriteHeaders(h, [1, 3], 4)).toEqual([
      [PACK_HEADER, "2"],
      [PACK_TRACES_HEADER, `-,${tp(4)}`],
    ]);
  });
});
