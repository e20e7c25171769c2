export { SCOPES, SCOPE_MEANING, isScope, scopeForEventType } from "./scopes.ts";
export type { Scope } from "./scopes.ts";
export { sha256, sha256Hex, SOURCE_PATTERN } from "./entry.ts";
export type { KeyEntry } from "./entry.ts";
export { keyRing } from "./ring.ts";
export type { KeyRing } from "./ring.ts";
export { parseKeys, shorthandEntries, isOrigin, KEYS_PER_SOURCE } from "./parse.ts";
export { createKey } from "./create.ts";
export type { NewKey } from "./create.ts";
