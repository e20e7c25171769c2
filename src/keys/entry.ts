import { createHash } from "node:crypto";
import type { Scope } from "./scopes.ts";

/** One configured key: never the key itself, only its SHA-256. */
export interface KeyEntry {
  /** Who holds the key (`web`, `ios`, `pipeline`, ...): a label in logs and metrics, never secret. */
  source: string;
  scopes: ReadonlySet<Scope>;
  /** SHA-256 of the key, 32 bytes. */
  hash: Buffer;
  /** The origins a publishable key is valid from; empty for other keys. */
  origins: ReadonlySet<string>;
}

/** SHA-256 of a key as configured (lowercase hex). */
export const sha256Hex = (key: string): string => createHash("sha256").update(key, "utf8").digest("hex");

export const sha256 = (key: string): Buffer => createHash("sha256").update(key, "utf8").digest();

/** A label is what shows in logs and metrics: short, and safe in a Prometheus label value. */
export const SOURCE_PATTERN = /^[a-z0-9][a-z0-9_.-]{0,39}$/;
