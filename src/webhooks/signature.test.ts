import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { signWebhook, verifyWebhook } from "./signature.ts";

const secret = "whsec_test_7f3a";
const body = '{"rule_id":"cdn-failures","state":"firing"}';

describe("webhook signatures", () => {
  it("signs t.body with HMAC-SHA256, as an independent HMAC computes it", () => {
    const expected = createHmac("sha256", secret).update(`1767225600.${body}`).digest("hex");
    expect(signWebhook(secret, 1767225600, body)).toBe(`t=1767225600,v1=${expected}`);
  });

  it("verifies its own signature within the tolerance", () => {
    expect(verifyWebhook(secret, signWebhook(secret, 1000, body), body, 1200)).toEqual({ ok: true, timestamp: 1000 });
  });

  it.each([
    ["no header", undefined, body, 1000, "no Playpulse-Signature header"],
    ["garbage", "sha256=abc", body, 1000, "malformed signature: expected t=<unix seconds>,v1=<64 hex digits>"],
    [
      "a changed body",
      signWebhook(secret, 1000, body),
      body.replace("firing", "resolved"),
      1000,
      "signature does not match",
    ],
    ["another secret", signWebhook("whsec_other", 1000, body), body, 1000, "signature does not match"],
    ["a replay 301 s later", signWebhook(secret, 1000, body), body, 1301, "timestamp 1000 is more than 300 s from now"],
    [
      "a timestamp moved without re-signing",
      signWebhook(secret, 1000, body).replace("t=1000", "t=1001"),
      body,
      1001,
      "signature does not match",
    ],
  ])("refuses %s", (_name, header, text, now, reason) => {
    expect(verifyWebhook(secret, header, text, now)).toEqual({ ok: false, reason });
  });
});
