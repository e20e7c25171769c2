import { createHmac, timingSafeEqual } from "node:crypto";

/** The headers of a webhook delivery (docs/alerts.md#webhooks). */
export const WEBHOOK_HEADERS = {
  /** `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, as Stripe signs. */
  signature: "Playpulse-Signature",
  /** The same on every attempt of one delivery: receivers deduplicate on it. */
  delivery: "Playpulse-Delivery",
  /** The event type, e.g. `analytics.alert.fired`. */
  event: "Playpulse-Event",
  /** 1 on the first attempt. */
  attempt: "Playpulse-Attempt",
} as const;

/** How old a signature's timestamp may be before `verifyWebhook` refuses it (replays). */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

const hmacHex = (secret: string, timestamp: number, body: string) =>
  createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex");

/**
 * The `Playpulse-Signature` value for `body` sent at `timestamp` (unix seconds): the timestamp and
 * the hex HMAC-SHA256, keyed by the shared secret, of `"<timestamp>.<body>"`. Signing the
 * timestamp with the body lets a receiver refuse an old delivery replayed at it.
 *
 * @example
 * signWebhook("whsec_…", 1767225600, '{"rule_id":"r1"}'); // "t=1767225600,v1=5f0c…"
 */
export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `t=${timestamp},v1=${hmacHex(secret, timestamp, body)}`;
}

export type Verification = { ok: true; timestamp: number } | { ok: false; reason: string };

/**
 * What a receiver runs on a delivery: parses `header`, recomputes the HMAC over the raw body,
 * compares in constant time, and refuses a timestamp more than `toleranceSeconds` from `now`.
 * Exported so the docs' recipe and the tests use the very code that signs.
 *
 * @example
 * const v = verifyWebhook(secret, req.headers["playpulse-signature"], rawBody, Date.now() / 1000);
 * if (!v.ok) return res.writeHead(400).end(v.reason);
 */
export function verifyWebhook(
  secret: string,
  header: string | undefined,
  body: string,
  nowSeconds: number,
  toleranceSeconds = SIGNATURE_TOLERANCE_SECONDS,
): Verification {
  if (!header) return { ok: false, reason: `no ${WEBHOOK_HEADERS.signature} header` };
  const parts = new Map(header.split(",").map((p) => [p.slice(0, p.indexOf("=")), p.slice(p.indexOf("=") + 1)]));
  const timestamp = Number(parts.get("t"));
  const given = parts.get("v1") ?? "";
  if (!Number.isSafeInteger(timestamp) || !/^[0-9a-f]{64}$/.test(given))
    return { ok: false, reason: "malformed signature: expected t=<unix seconds>,v1=<64 hex digits>" };
  if (Math.abs(nowSeconds - timestamp) > toleranceSeconds)
    return { ok: false, reason: `timestamp ${timestamp} is more than ${toleranceSeconds} s from now` };
  const expected = Buffer.from(hmacHex(secret, timestamp, body), "hex");
  if (!timingSafeEqual(expected, Buffer.from(given, "hex"))) return { ok: false, reason: "signature does not match" };
  return { ok: true, timestamp };
}
