/**
 * Where a JSON text goes wrong, in words that are the same on every runtime. `JSON.parse`'s own
 * messages differ between V8 (Node, Deno) and JavaScriptCore (Bun), and an API's error reasons
 * must not depend on the runtime behind it. Only called after `JSON.parse` has thrown.
 */

const WS = new Set([" ", "\t", "\n", "\r"]);
const ESCAPES = new Set(['"', "\\", "/", "b", "f", "n", "r", "t"]);
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const HEX4 = /[0-9a-fA-F]{4}/y;

type Frame = { kind: "array" | "object"; state: "first" | "key" | "colon" | "value" | "next" };

function unexpected(text: string, at: number): string {
  if (at >= text.length) return "unexpected end of input";
  return `unexpected character ${JSON.stringify(text[at])} at position ${at}`;
}

/** The end of the string starting at `at` (a `"`), or an error message. */
function scanString(text: string, at: number): number | string {
  let i = at + 1;
  while (i < text.length) {
    const c = text[i] as string;
    if (c === '"') return i + 1;
    if (c < " ") return unexpected(text, i);
    if (c === "\\") {
      const e = text[i + 1];
      if (e === "u") {
        HEX4.lastIndex = i + 2;
        if (!HEX4.test(text)) return unexpected(text, Math.min(i + 2, text.length));
        i += 6;
        continue;
      }
      if (e === undefined || !ESCAPES.has(e)) return unexpected(text, i + 1);
      i += 2;
      continue;
    }
    i++;
  }
  return "unterminated string";
}

/** The end of the scalar (string, number, literal) at `at`, or an error message. */
function scanScalar(text: string, at: number): number | string {
  const c = text[at];
  if (c === '"') return scanString(text, at);
  for (const literal of ["true", "false", "null"]) {
    if (text.startsWith(literal, at)) return at + literal.length;
  }
  NUMBER.lastIndex = at;
  if (NUMBER.test(text)) return NUMBER.lastIndex;
  return unexpected(text, at);
}

function skipWs(text: string, at: number): number {
  let i = at;
  while (i < text.length && WS.has(text[i] as string)) i++;
  return i;
}

/**
 * The first syntax error of a JSON text, e.g. `unexpected character "}" at position 12` or
 * `unexpected end of input`; undefined when the text is valid JSON. Iterative, so any depth of
 * nesting is fine.
 *
 * @example
 * jsonSyntaxError('{"a":1,}'); // 'unexpected character "}" at position 7'
 */
export function jsonSyntaxError(text: string): string | undefined {
  const stack: Frame[] = [];
  let i = skipWs(text, 0);
  let wantValue = true;
  for (;;) {
    if (wantValue) {
      const c = text[i];
      if (c === "[" || c === "{") {
        stack.push({ kind: c === "[" ? "array" : "object", state: "first" });
        i = skipWs(text, i + 1);
        wantValue = false;
        continue;
      }
      const end = scanScalar(text, i);
      if (typeof end === "string") return end;
      i = skipWs(text, end);
      wantValue = false;
      const top = stack[stack.length - 1];
      if (top) top.state = top.kind === "object" && top.state === "key" ? "colon" : "next";
      continue;
    }
    const top = stack[stack.length - 1];
    if (!top) return i < text.length ? unexpected(text, i) : undefined;
    const c = text[i];
    if (top.state === "first" && c === (top.kind === "array" ? "]" : "}")) {
      stack.pop();
      i = skipWs(text, i + 1);
      const parent = stack[stack.length - 1];
      if (parent) parent.state = "next";
      continue;
    }
    if (top.state === "first" || top.state === "key") {
      if (top.kind === "array") {
        top.state = "next";
        wantValue = true;
        continue;
      }
      if (c !== '"') return unexpected(text, i);
      top.state = "key";
      wantValue = true;
      continue;
    }
    if (top.state === "colon") {
      if (c !== ":") return unexpected(text, i);
      top.state = "value";
      i = skipWs(text, i + 1);
      wantValue = true;
      continue;
    }
    // state "next" (after a value) or "value" (never left here: a value sets "next")
    if (c === ",") {
      i = skipWs(text, i + 1);
      if (top.kind === "object") {
        if (text[i] !== '"') return unexpected(text, i);
        top.state = "key";
      } else top.state = "next";
      wantValue = true;
      continue;
    }
    if (c === (top.kind === "array" ? "]" : "}")) {
      stack.pop();
      i = skipWs(text, i + 1);
      const parent = stack[stack.length - 1];
      if (parent) parent.state = "next";
      continue;
    }
    return unexpected(text, i);
  }
}
