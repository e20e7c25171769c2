import { describe, expect, it } from "vitest";
import type { InboundMessage } from "../bus/index.ts";
import { PACK_HEADER, PACK_TRACES_HEADER } from "../events/index.ts";
import type { Store } from "../store/index.ts";
import { analytics } from "./analytics/index.ts";
import { createTableConsumer } from "./table-consumer.ts";

const RECEIVED = 1_767_268_800_123;
const event = (id: string, userId: string, played: number) => ({
  id,
  type: "user.video.heartbeat",
  timestamp: "2026-01-01T12:00:00.000Z",
  user_id: userId,
  view_id: `v-${userId}`,
  video_id: "vid-1",
  position_ms: played,
  played_ms: played,
  rebuffer_ms: 0,
  received_at: RECEIVED,
});
const packed = (lines: string[], headers: Record<string, string> = {}): InboundMessage => ({
  subject: "user.video.heartbeat",
  data: new TextEncoder().encode(lines.join("\n")),
  header: (n) => ({ [PACK_HEADER]: String(lines.length), "Playpulse-Region": "eu", ...headers })[n],
  streamSeq: 41,
  deliveryCount: 1,
});
const consumer = createTableConsumer(analytics, { store: {} as Store });

describe("a table consumer reading a packed message (PLAYPULSE_PACK_EVENTS)", () => {
  it("gives the rows of every event it carries, in order, each with the message's sequence and region", () => {
    const lines = [event("a", "u1", 1000), event("b", "u2", 2000), event("c", "u1", 3000)].map((e) =>
      JSON.stringify(e),
    );
    const outcome = consumer.prepare(packed(lines));
    expect(outcome.kind).toBe("ok");
    const rows = outcome.kind === "ok" ? outcome.rows : [];
    expect(rows.map((r) => [r.id, r.user_id, r.played_ms, r.stream_seq, r.region])).toEqual([
      ["a", "u1", 1000, 41, "eu"],
      ["b", "u2", 2000, 41, "eu"],
      ["c", "u1", 3000, 41, "eu"],
    ]);
  });

  it("gives each row its own request's trace id in a pack merged across requests, the message's otherwise", () => {
    const tp = (n: number) => `00-${String(n).repeat(32)}-${"b".repeat(16)}-01`;
    const lines = [event("a", "u1", 1000), event("b", "u2", 2000), event("c", "u1", 3000)].map((e) =>
      JSON.stringify(e),
    );
    const traceIds = (headers: Record<string, string>) => {
      const outcome = consumer.prepare(packed(lines, headers));
      return outcome.kind === "ok" ? outcome.rows.map((r) => r.trace_id) : outcome;
    };
    expect(traceIds({ traceparent: tp(1), [PACK_TRACES_HEADER]: `${tp(1)},-,${tp(3)}` })).toEqual([
      "1".repeat(32),
      "",
      "3".repeat(32),
    ]);
    // A request's own pack carries no list; a list that does not name every line is not used.
    expect(traceIds({ traceparent: tp(1) })).toEqual(["1".repeat(32), "1".repeat(32), "1".repeat(32)]);
    expect(traceIds({ traceparent: tp(1), [PACK_TRACES_HEADER]: `${tp(2)},${tp(3)}` })).toEqual([
      "1".repeat(32),
      "1".repeat(32),
      "1".repeat(32),
    ]);
  });

  it("reads a message without the header as one event, as before", () => {
    const one = { ...packed([JSON.stringify(event("a", "u1", 1000))]), header: () => undefined };
    const outcome = consumer.prepare(one);
    expect(outcome.kind === "ok" ? outcome.rows.map((r) => r.id) : outcome).toEqual(["a"]);
  });

  it("dead-letters the whole message when one of its events cannot be read", () => {
    const lines = [JSON.stringify(event("a", "u1", 1000)), '{"id":"b","type":"user.video.heartbeat"}'];
    const outcome = consumer.prepare(packed(lines));
    expect(outcome.kind).toBe("dead-letter");
    expect(outcome.kind === "dead-letter" ? outcome.reason : "").toBe(
      "undecodable: received_at: must be epoch milliseconds (the edge's envelope is missing)",
    );
  });

  it("names the reason of the line at fault when a line is not UTF-8 (the pack is then read line by line)", () => {
    const good = new TextEncoder().encode(JSON.stringify(event("a", "u1", 1000)));
    const data = new Uint8Array([...good, 0x0a, 0x7b, 0xff, 0x7d]);
    const outcome = consumer.prepare({ ...packed(["", ""]), data });
    expect(outcome.kind).toBe("dead-letter");
    expect(outcome.kind === "dead-letter" ? outcome.reason : "").toMatch(
      /^undecodable: body is not valid UTF-8 JSON: The encoded data was not valid for encoding utf-8/,
    );
  });
});
