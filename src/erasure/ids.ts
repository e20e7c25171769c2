import { createHash } from "node:crypto";

const sha256 = (s: string) => createHash("sha256").update(s, "utf8").digest("hex");

/**
 * The erasure id of a user: deterministic, so a retried `DELETE /v1/users/:user_id` answers the
 * same id and publishes with the same `Nats-Msg-Id` (JetStream drops the second copy).
 *
 * @example
 * erasureIdOf("u1"); // "er_" + 32 hex digits, always the same for "u1"
 */
export function erasureIdOf(userId: string): string {
  return `er_${sha256(`playpulse-erasure:${userId}`).slice(0, 32)}`;
}

/** What the `erasures` table keeps of a user: the SHA-256 of the id, never the id itself. */
export function userHashOf(userId: string): string {
  return sha256(userId);
}

export const ERASURE_ID = /^er_[0-9a-f]{32}$/;
