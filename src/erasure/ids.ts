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

/** How many user ids `userHashOf` remembers the hash of before it starts again. */
export const RECENT_USER_HASHES = 20_000;
const recentHashes = new Map<string, string>();

/**
 * What the `erasures` table keeps of a user: the SHA-256 of the id, never the id itself. The
 * play consumers hash the users of every batch to check for erasures, and the same viewers come
 * back batch after batch, so the last hashes are kept (in memory, up to `RECENT_USER_HASHES`).
 */
export function userHashOf(userId: string): string {
  let hash = recentHashes.get(userId);
  if (hash === undefined) {
    if (recentHashes.size >= RECENT_USER_HASHES) recentHashes.clear();
    hash = sha256(userId);
    recentHashes.set(userId, hash);
  }
  return hash;
}

export const ERASURE_ID = /^er_[0-9a-f]{32}$/;
