import { timingSafeEqual } from "node:crypto";
import { sha256, type KeyEntry } from "./entry.ts";

/** Finds which key a presented string is, in time that does not depend on how much of it matches. */
export type KeyRing = (candidate: string) => KeyEntry | undefined;

/**
 * A constant-time key lookup. The presented key is hashed once (SHA-256) and compared with every
 * configured hash by `timingSafeEqual`, without stopping at a match: the time taken depends on
 * the number of keys only, never on the presented string or on how much of a hash it matches.
 *
 * @example
 * const find = keyRing([{ source: "web", scopes: new Set(["events:write"]), hash: sha256("wk_1"), origins: new Set() }]);
 * find("wk_1")?.source; // "web"
 */
export function keyRing(entries: readonly KeyEntry[]): KeyRing {
  const all = [...entries];
  return function find(candidate) {
    const hash = sha256(candidate);
    let result: KeyEntry | undefined;
    for (const e of all) {
      // No early exit: every key is compared whatever matched before.
      if (timingSafeEqual(hash, e.hash)) result = e;
    }
    return result;
  };
}
