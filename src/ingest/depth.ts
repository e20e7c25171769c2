import { ApiError } from "../http/errors.ts";

/**
 * The deepest nesting the event contract can use: a batch array, an event object, and its
 * `device` / `experiment` / `properties` objects or `genres` array (3), with room for one more.
 */
export const MAX_JSON_DEPTH = 4;

/**
 * The deepest nesting accepted in an integration envelope (Segment, CloudEvents), whose
 * `properties` / `data` carry a client's own objects: generous, but still bounded before parse.
 */
export const MAX_ENVELOPE_DEPTH = 32;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;

/**
 * How deep `[` and `{` nest in a JSON (or NDJSON) body, outside strings, stopping as soon as
 * `limit` is passed: one pass over the bytes, no allocation. Run before `JSON.parse`, so a
 * 1 MB `[[[[…]]]]` costs a scan of a few bytes instead of a deep parse (docs/security.md).
 *
 * @example
 * jsonDepth(new TextEncoder().encode('[{"a":[1]}]'), 10); // 3
 */
export function jsonDepth(bytes: Uint8Array, limit: number): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (inString) {
      if (b === BACKSLASH) i++;
      else if (b === QUOTE) inString = false;
    } else if (b === QUOTE) inString = true;
    else if (b === OPEN_BRACE || b === OPEN_BRACKET) {
      depth++;
      if (depth > deepest) deepest = depth;
      if (deepest > limit) return deepest;
    } else if ((b === CLOSE_BRACE || b === CLOSE_BRACKET) && depth > 0) depth--;
  }
  return deepest;
}

/** Throws 400 `too_deep` for a body nested deeper than the contract allows. */
export function checkDepth(bytes: Uint8Array, limit: number = MAX_JSON_DEPTH): void {
  if (jsonDepth(bytes, limit) > limit) {
    throw new ApiError(
      400,
      "too_deep",
      `the body nests arrays or objects deeper than ${limit} levels; events are flat (docs/events.md)`,
    );
  }
}
