import { randomBytes } from "node:crypto";

const ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";

/**
 * A short random id of `[a-z0-9]`, starting with a letter, usable as it is for a NATS stream name
 * suffix, a NATS subject token and a ClickHouse database or table name.
 *
 * @example
 * const ns = uniqueNamespace("plays"); // "playsk3v9x0qa"
 */
export function uniqueNamespace(prefix = "t"): string {
  if (!/^[a-z][a-z0-9]*$/.test(prefix)) {
    throw new Error(`uniqueNamespace: prefix must match [a-z][a-z0-9]*, got ${JSON.stringify(prefix)}`);
  }
  const suffix = Array.from(randomBytes(8), (byte) => ALPHABET[byte % ALPHABET.length]).join("");
  return `${prefix}${suffix}`;
}
