import { headers } from "@nats-io/transport-node";
import { describe, expect, it } from "vitest";
import { outcomeOf, type PublishOutcome } from "./publisher.ts";

const body = (s: string) => new TextEncoder().encode(s);

describe("outcomeOf", () => {
  // Replies as nats-server 2.9.10 sends them (captured from a real server; note its spacing).
  it.each<[string, string, PublishOutcome]>([
    ["stored", '{"stream":"PLAYPULSE", "seq":1}', { status: "stored", seq: 1, duplicate: false }],
    [
      "duplicate within the window",
      '{"stream":"PLAYPULSE", "seq":41,"duplicate": true}',
      { status: "stored", seq: 41, duplicate: true },
    ],
    [
      "duplicate flag that is not true",
      '{"stream":"PLAYPULSE","seq":7,"duplicate":"yes"}',
      { status: "stored", seq: 7, duplicate: false },
    ],
    [
      "stream full: max bytes (DiscardNew)",
      '{"error":{"code":503,"err_code":10077,"description":"maximum bytes exceeded"},"stream":"PLAYPULSE","seq":0}',
      { status: "failed", reason: "stream_full", message: "maximum bytes exceeded" },
    ],
    [
      "stream full: max messages",
      '{"error":{"code":503,"err_code":10077,"description":"maximum messages exceeded"},"stream":"PLAYPULSE","seq":0}',
      { status: "failed", reason: "stream_full", message: "maximum messages exceeded" },
    ],
    [
      "stream full: max messages per subject",
      '{"error":{"code":503,"err_code":10077,"description":"maximum messages per subject exceeded"}}',
      { status: "failed", reason: "stream_full", message: "maximum messages per subject exceeded" },
    ],
    [
      "server out of storage",
      '{"error":{"code":503,"err_code":10023,"description":"insufficient resources"}}',
      { status: "failed", reason: "stream_full", message: "insufficient resources" },
    ],
    [
      "account limits",
      '{"error":{"code":400,"err_code":10002,"description":"resource limits exceeded for account"}}',
      { status: "failed", reason: "stream_full", message: "resource limits exceeded for account" },
    ],
    [
      "other 503: JetStream unavailable",
      '{"error":{"code":503,"err_code":10008,"description":"JetStream system temporarily unavailable"}}',
      { status: "failed", reason: "unavailable", message: "JetStream system temporarily unavailable" },
    ],
    [
      "other error: rejected",
      '{"error":{"code":400,"err_code":10060,"description":"expected stream does not match"}}',
      { status: "failed", reason: "rejected", message: "expected stream does not match" },
    ],
    [
      "error without a description",
      '{"error":{"code":500}}',
      { status: "failed", reason: "rejected", message: "unknown error" },
    ],
    [
      "reply without a sequence",
      '{"stream":"PLAYPULSE"}',
      { status: "failed", reason: "rejected", message: "JetStream reply without a sequence" },
    ],
    ["reply that is not JSON", "+OK", { status: "failed", reason: "rejected", message: "unreadable JetStream reply" }],
    ["empty reply", "", { status: "failed", reason: "rejected", message: "unreadable JetStream reply" }],
  ])("%s", (_name, reply, expected) => {
    expect(outcomeOf(body(reply), undefined)).toEqual(expected);
  });

  it("maps a no-responders status (no stream covers the subject, or JetStream is down) to unavailable", () => {
    const h = headers(503, "No Responders");
    expect(h.hasError).toBe(true);
    expect(outcomeOf(new Uint8Array(0), h)).toEqual({
      status: "failed",
      reason: "unavailable",
      message: "no JetStream stream answered (no responders)",
    });
  });

  it("reads the body when the headers carry no error status", () => {
    const h = headers();
    h.set("Nats-Msg-Id", "e1");
    expect(outcomeOf(body('{"stream":"S","seq":3}'), h)).toEqual({ status: "stored", seq: 3, duplicate: false });
  });

  it("does not treat another status as no responders", () => {
    expect(outcomeOf(new Uint8Array(0), headers(408, "Request Timeout"))).toEqual({
      status: "failed",
      reason: "rejected",
      message: "unreadable JetStream reply",
    });
  });
});
