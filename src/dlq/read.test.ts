import { headers } from "@nats-io/transport-node";
import { describe, expect, it } from "vitest";
import { toDeadLetter } from "./entries.ts";
import { dlqFilterSubject } from "./read.ts";
import { createSummary } from "./summary.ts";

describe("dlqFilterSubject", () => {
  it.each([
    ["", {}, "dlq.*.>"],
    ["t1.", { consumer: "analytics" }, "t1.dlq.analytics.>"],
    ["t1.", { subject: "user.video.played" }, "t1.dlq.*.user.video.played"],
    ["", { consumer: "content", subject: "video.>" }, "dlq.content.video.>"],
    ["", { subject: "user.video.*" }, "dlq.*.user.video.*"],
  ])("prefix %j, filter %j -> %s", (prefix, filter, subject) => {
    expect(dlqFilterSubject(prefix, filter)).toBe(subject);
  });

  it.each([
    [{ consumer: "a.b" }, `--consumer: not a consumer name: "a.b"`],
    [{ consumer: "*" }, `--consumer: not a consumer name: "*"`],
    [{ subject: "user..x" }, `--subject: not a subject (tokens of A-Z a-z 0-9 _ -, wildcards * and >): "user..x"`],
    [{ subject: "user.>.x" }, `--subject: not a subject (tokens of A-Z a-z 0-9 _ -, wildcards * and >): "user.>.x"`],
  ])("rejects %j", (filter, message) => {
    expect(() => dlqFilterSubject("", filter)).toThrow(message);
  });
});

describe("toDeadLetter and createSummary", () => {
  const dl = (seq: number, consumer: string, type: string, error: string) => {
    const h = headers();
    h.set("Playpulse-Dlq-Consumer", consumer);
    h.set("Playpulse-Dlq-Error", error);
    h.set("Playpulse-Dlq-Attempts", "3");
    h.set("Playpulse-Dlq-Subject", `t1.${type}`);
    h.set("Playpulse-Dlq-Stream-Seq", String(seq * 10));
    h.set("Playpulse-Dlq-Time", "2026-01-01T00:00:00.000Z");
    h.set("Playpulse-Dlq-Msg-Id", `e${seq}`);
    return toDeadLetter({
      seq,
      subject: `t1.dlq.${consumer}.${type}`,
      time: new Date("2026-01-01T00:00:01Z"),
      headers: h,
      data: new Uint8Array([1]),
    });
  };

  it("reads the loop's headers", () => {
    expect(dl(4, "analytics", "user.video.played", "invalid: x")).toMatchObject({
      seq: 4,
      consumer: "analytics",
      originalSubject: "t1.user.video.played",
      originalSeq: 40,
      msgId: "e4",
      error: "invalid: x",
      attempts: 3,
      deadLetteredAt: "2026-01-01T00:00:00.000Z",
      storedAt: "2026-01-01T00:00:01.000Z",
    });
  });

  it("counts by consumer, event type and error, largest first", () => {
    const s = createSummary("t1.");
    s.add(dl(1, "analytics", "user.video.played", "invalid: a"));
    s.add(dl(2, "recommendations", "user.video.played", "invalid: a"));
    s.add(dl(3, "analytics", "user.video.heartbeat", "undecodable: b"));
    expect(s.result()).toEqual({
      total: 3,
      byConsumer: { analytics: 2, recommendations: 1 },
      bySubject: { "user.video.played": 2, "user.video.heartbeat": 1 },
      byError: { "invalid: a": 2, "undecodable: b": 1 },
    });
  });
});
