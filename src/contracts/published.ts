import type { JsonSchema } from "./json-schema.ts";

/** Where the snapshot lives in the repository, for messages (docs/api.md, "Contracts"). */
export const PUBLISHED_SNAPSHOT = "src/contracts/published/event-schemas.json";

export interface PublishedComparison {
  /** Changes that make a document valid under the published schema invalid now (or change its meaning). */
  problems: string[];
  /** Additive changes (new schemas, new optional fields, wider limits): allowed; refresh the snapshot. */
  additions: string[];
}

/** Limits a change may only raise (`up`) or only lower (`down`) to stay compatible. */
const WIDEN_UP = ["maxLength", "maximum", "maxItems", "maxProperties"] as const;
const WIDEN_DOWN = ["minLength", "minimum"] as const;
/** Keywords whose every change is a problem: the check cannot tell a wider regex from a narrower one. */
const FIXED = ["const", "pattern", "format"] as const;

const obj = (v: unknown): JsonSchema | undefined =>
  typeof v === "object" && v !== null && !Array.isArray(v) ? (v as JsonSchema) : undefined;
const types = (s: JsonSchema): string[] | undefined =>
  s.type === undefined ? undefined : Array.isArray(s.type) ? (s.type as string[]) : [s.type as string];
const show = (v: unknown) => (v === undefined ? "none" : JSON.stringify(v));

function compareLimits(at: string, old: JsonSchema, now: JsonSchema, out: PublishedComparison): void {
  const was = types(old);
  const is = types(now);
  if (was && (!is || is.some((t) => !was.includes(t)) || was.some((t) => !is.includes(t)))) {
    if (!is || was.some((t) => !is.includes(t)))
      out.problems.push(`${at}: type changed from ${show(old.type)} to ${show(now.type)}`);
    else out.additions.push(`${at}: type widened to ${show(now.type)}`);
  }
  for (const k of FIXED)
    if (show(old[k]) !== show(now[k])) out.problems.push(`${at}: ${k} changed from ${show(old[k])} to ${show(now[k])}`);
  for (const k of WIDEN_UP) {
    const [o, n] = [old[k] as number | undefined, now[k] as number | undefined];
    if (n !== undefined && (o === undefined || n < o))
      out.problems.push(`${at}: ${k} narrowed from ${o ?? "none"} to ${n}`);
    else if (o !== n) out.additions.push(`${at}: ${k} widened from ${o} to ${n ?? "none"}`);
  }
  for (const k of WIDEN_DOWN) {
    const [o, n] = [old[k] as number | undefined, now[k] as number | undefined];
    if (n !== undefined && (o === undefined || n > o))
      out.problems.push(`${at}: ${k} narrowed from ${o ?? "none"} to ${n}`);
    else if (o !== n) out.additions.push(`${at}: ${k} widened from ${o} to ${n ?? "none"}`);
  }
}

function compareObject(at: string, old: JsonSchema, now: JsonSchema, out: PublishedComparison): void {
  const was = obj(old.properties) ?? {};
  const is = obj(now.properties) ?? {};
  const required = new Set((old.required as string[] | undefined) ?? []);
  for (const name of (now.required as string[] | undefined) ?? [])
    if (!required.has(name)) out.problems.push(`${at}: field "${name}" became required`);
  for (const [name, sub] of Object.entries(was)) {
    const next = obj(is[name]);
    if (!next) out.problems.push(`${at}: field "${name}" was removed`);
    else compareSchema(`${at}.${name}`, obj(sub) ?? {}, next, out);
  }
  for (const name of Object.keys(is)) if (!(name in was)) out.additions.push(`${at}: new optional field "${name}"`);
  const [oa, na] = [old.additionalProperties, now.additionalProperties];
  if (oa !== false && na === false) out.problems.push(`${at}: additional fields are no longer allowed`);
  else if (obj(oa) && obj(na)) compareSchema(`${at}.*`, obj(oa) ?? {}, obj(na) ?? {}, out);
}

function compareSchema(at: string, old: JsonSchema, now: JsonSchema, out: PublishedComparison): void {
  compareLimits(at, old, now, out);
  compareObject(at, old, now, out);
  if (obj(old.items) && obj(now.items)) compareSchema(`${at}[]`, obj(old.items) ?? {}, obj(now.items) ?? {}, out);
  if (obj(old.propertyNames) && obj(now.propertyNames))
    compareSchema(`${at} (keys)`, obj(old.propertyNames) ?? {}, obj(now.propertyNames) ?? {}, out);
}

/**
 * Compares the event schemas the edge would publish now with the published snapshot. A removed
 * schema or field, a changed type, const, pattern or format, a narrowed limit, a newly required
 * field, or newly forbidden extra fields is a problem; anything else that differs is an addition.
 *
 * @example
 * const { problems } = comparePublished(snapshot, Object.fromEntries(publishedSchemas()));
 */
export function comparePublished(
  snapshot: Record<string, JsonSchema>,
  current: Record<string, JsonSchema>,
): PublishedComparison {
  const out: PublishedComparison = { problems: [], additions: [] };
  for (const [path, old] of Object.entries(snapshot)) {
    const now = current[path];
    if (!now) out.problems.push(`${path}: the published schema was removed`);
    else compareSchema(path, old, now, out);
  }
  for (const path of Object.keys(current)) if (!(path in snapshot)) out.additions.push(`${path}: new schema`);
  return out;
}
