import { createHmac } from "node:crypto";
import type { Config } from "../config.ts";

/** What pseudonymization reads from the config: PLAYPULSE_USER_ID_HASH and its pepper. */
export type PrivacyConfig = Pick<Config, "privacy">;

/**
 * The user id as stored: with `PLAYPULSE_USER_ID_HASH=hmac`, the lower-case hex HMAC-SHA256 of
 * the UTF-8 id under `PLAYPULSE_USER_ID_PEPPER` (64 characters); otherwise the id unchanged. The
 * same id always gives the same result, so everything per user still works. The edge applies it
 * on every ingest route before publishing, the query API to the id of
 * `GET /v1/users/:user_id/recommendations`, and erasure to the raw id an admin sends
 * (docs/privacy.md#pseudonymous-ids).
 *
 * @example
 * pseudonymize({ privacy: { userIdHash: "hmac", pepper: "0123456789abcdef" } }, "u1") // "9d6c…" (64 hex)
 */
export function pseudonymize(config: PrivacyConfig, userId: string): string {
  const { userIdHash, pepper } = config.privacy;
  if (userIdHash !== "hmac") return userId;
  if (pepper === undefined) throw new Error("PLAYPULSE_USER_ID_HASH=hmac needs PLAYPULSE_USER_ID_PEPPER");
  return createHmac("sha256", pepper).update(userId, "utf8").digest("hex");
}

/**
 * `pseudonymize` bound to the config, or undefined when ids are stored as sent (so callers skip
 * the mapping entirely).
 *
 * @example
 * const userIds = userIdMapper(config); // pass as `userIds` to the ingest and query routes
 */
export function userIdMapper(config: PrivacyConfig): ((userId: string) => string) | undefined {
  if (config.privacy.userIdHash !== "hmac") return undefined;
  return (userId) => pseudonymize(config, userId);
}
