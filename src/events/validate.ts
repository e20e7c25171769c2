import { describeSpec, type FieldSpec } from "./fields.ts";
import { ENVELOPE_FIELDS, schemaRegistry, type EventSchema, type SchemaRegistry } from "./schemas.ts";
import type { PlayEvent } from "./types.ts";
import { uuidv7 } from "./uuidv7.ts";

export type Validation =
  { ok: true; event: PlayEvent; generatedId: boolean } | { ok: false; error: string; id?: string };

export interface ValidatorOptions {
  registry?: SchemaRegistry;
  /** Timestamps further than this in the future (client clock skew) are rejected. */
  maxFutureMs?: number;
  now?: () => number;
  newId?: (now: number) => string;
  /**
   * Top-level keys that pass unchecked and are left out of the event: the consumers' reader
   * passes the edge's envelope (`received_at`), so it need not copy the message without it.
   */
  skipKeys?: readonly string[];
  /**
   * Return the input object itself as the event when it is valid and names its `id` and
   * `schema_version`, instead of a copy of its known fields: for a caller that parsed the input
   * for this validation alone (the edge, per request; the consumers' reader, per message). A
   * valid input holds no unknown field, so the only keys beyond the event's are `skipKeys`. An
   * input without either field is copied as before, so the input is never changed (the
   * quarantine keeps a refused item as it was sent).
   */
  inPlace?: boolean;
}

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

function typeName(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  return typeof v === "object" ? "an object" : `a ${typeof v}`;
}

/** A lone UTF-16 surrogate cannot be encoded as UTF-8; ClickHouse would refuse the row. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** Cheap pre-check: most strings hold no surrogate at all. */
const ANY_SURROGATE = /[\uD800-\uDFFF]/;
const NOT_UNICODE = "contains an unpaired UTF-16 surrogate (not valid Unicode)";
/** Earliest accepted event time: ClickHouse DateTime starts at the Unix epoch. */
const EPOCH = 0;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function notUnicode(s: string): boolean {
  return ANY_SURROGATE.test(s) && LONE_SURROGATE.test(s);
}

/** Date.parse rolls impossible days over (2025-02-30 -> March 2); the calendar day must exist. */
function dayExists(value: string): boolean {
  const y = Number(value.slice(0, 4));
  const m = Number(value.slice(5, 7));
  const d = Number(value.slice(8, 10));
  if (m < 1 || m > 12 || d < 1) return false;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  return d <= (m === 2 && leap ? 29 : (DAYS_IN_MONTH[m - 1] ?? 0));
}

function expected(spec: FieldSpec, value: unknown, path: string): string {
  return `${path}: must be ${describeSpec(spec)}, got ${typeName(value)}`;
}

/** Returns an error message for `value` against `spec`, or undefined when it fits. Allocates nothing on success. */
function check(spec: FieldSpec, value: unknown, path: string, now: number, maxFutureMs: number): string | undefined {
  switch (spec.kind) {
    case "string":
      if (typeof value !== "string") return expected(spec, value, path);
      if (value.length === 0 || value.length > spec.max)
        return `${path}: must be 1-${spec.max} characters long, got ${value.length}`;
      if (spec.pattern && !spec.pattern.test(value)) return `${path}: must be ${describeSpec(spec)}`;
      if (notUnicode(value)) return `${path}: ${NOT_UNICODE}`;
      return undefined;
    case "int":
      if (typeof value !== "number" || !Number.isInteger(value)) return expected(spec, value, path);
      if (value < spec.min || value > spec.max)
        return `${path}: must be between ${spec.min} and ${spec.max}, got ${value}`;
      return undefined;
    case "bool":
      return typeof value === "boolean" ? undefined : expected(spec, value, path);
    case "timestamp": {
      if (typeof value !== "string" || !TIMESTAMP.test(value)) return expected(spec, value, path);
      const t = Date.parse(value);
      if (Number.isNaN(t) || !dayExists(value)) return `${path}: not a valid date: ${value}`;
      if (t < EPOCH) return `${path}: must not be before 1970-01-01T00:00:00Z`;
      if (t > now + maxFutureMs)
        return `${path}: more than ${Math.round(maxFutureMs / 3600_000)}h in the future; check the client clock`;
      return undefined;
    }
    case "strings": {
      if (!Array.isArray(value)) return expected(spec, value, path);
      if (value.length > spec.maxItems) return `${path}: at most ${spec.maxItems} items, got ${value.length}`;
      for (let i = 0; i < value.length; i++) {
        const s: unknown = value[i];
        if (typeof s !== "string" || s.length === 0 || s.length > spec.maxLength) {
          return `${path}[${i}]: must be a string of 1-${spec.maxLength} characters`;
        }
        if (notUnicode(s)) return `${path}[${i}]: ${NOT_UNICODE}`;
      }
      return undefined;
    }
    case "object": {
      if (typeof value !== "object" || value === null || Array.isArray(value)) return expected(spec, value, path);
      const o = value as Record<string, unknown>;
      for (const k of spec.required) if (o[k] === undefined) return `${path}.${k}: required field is missing`;
      for (const k of Object.keys(o)) {
        const sub = spec.fields[k];
        if (!sub) return `${path}.${k}: unknown field (allowed: ${Object.keys(spec.fields).join(", ")})`;
        const err = check(sub, o[k], `${path}.${k}`, now, maxFutureMs);
        if (err) return err;
      }
      return undefined;
    }
    case "flat": {
      if (typeof value !== "object" || value === null || Array.isArray(value)) return expected(spec, value, path);
      const o = value as Record<string, unknown>;
      const keys = Object.keys(o);
      if (keys.length > spec.maxKeys) return `${path}: at most ${spec.maxKeys} keys, got ${keys.length}`;
      for (const k of keys) {
        const v = o[k];
        if (k.length === 0 || k.length > spec.maxKeyLength)
          return `${path}: keys must be 1-${spec.maxKeyLength} characters`;
        if (notUnicode(k) || (typeof v === "string" && notUnicode(v))) return `${path}.${k}: ${NOT_UNICODE}`;
        if (v === null || typeof v === "boolean") continue;
        if (typeof v === "number" && Number.isFinite(v)) continue;
        if (typeof v === "string" && v.length <= spec.maxValueLength) continue;
        return `${path}.${k}: must be a string of at most ${spec.maxValueLength} characters, a finite number, a boolean or null (the object must be flat)`;
      }
      return undefined;
    }
  }
}

/** A schema turned into arrays once, so validating an event walks no object entries of the schema. */
interface Compiled {
  schema: EventSchema;
  required: readonly (readonly [string, FieldSpec])[];
  optional: readonly (readonly [string, FieldSpec])[];
}

const compiledSchemas = new WeakMap<EventSchema, Compiled>();

function compile(schema: EventSchema): Compiled {
  let c = compiledSchemas.get(schema);
  if (!c) {
    c = { schema, required: Object.entries(schema.required), optional: Object.entries(schema.optional) };
    compiledSchemas.set(schema, c);
  }
  return c;
}

/**
 * Builds the edge validator. It checks one parsed JSON value against the schema of its
 * `type` and `schema_version` (default 1) and returns either the normalised event (known
 * fields only, an id assigned when missing) or the first problem, naming the field.
 *
 * @example
 * const validate = createValidator();
 * const r = validate({ type: "user.video.paused", timestamp: "2026-01-01T00:00:00Z", user_id: "u", view_id: "v", video_id: "m", position_ms: 0 });
 * if (r.ok) publish(r.event); else reject(r.error);
 */
export function createValidator(opts: ValidatorOptions = {}): (input: unknown) => Validation {
  const registry = opts.registry ?? schemaRegistry();
  const maxFutureMs = opts.maxFutureMs ?? 24 * 3600 * 1000;
  const clock = opts.now ?? Date.now;
  const newId = opts.newId ?? uuidv7;
  const passKeys = new Set<string>([...ENVELOPE_FIELDS, ...(opts.skipKeys ?? [])]);
  const idSpec: FieldSpec = {
    kind: "string",
    max: 64,
    pattern: /^[A-Za-z0-9._:-]+$/,
    hint: "1-64 characters of A-Z a-z 0-9 . _ : -",
  };

  return function validate(input: unknown): Validation {
    if (typeof input !== "object" || input === null || Array.isArray(input)) {
      return { ok: false, error: `event: must be a JSON object, got ${typeName(input)}` };
    }
    const o = input as Record<string, unknown>;
    const now = clock();
    const id = typeof o.id === "string" ? o.id : undefined;
    const fail = (error: string): Validation => (id === undefined ? { ok: false, error } : { ok: false, error, id });

    if (o.id !== undefined) {
      const err = check(idSpec, o.id, "id", now, maxFutureMs);
      if (err) return fail(err);
    }
    if (o.type === undefined) return fail("type: required field is missing");
    if (typeof o.type !== "string") return fail(`type: must be a string, got ${typeName(o.type)}`);
    const versions = registry.versions(o.type);
    if (versions.length === 0) return fail(`type: unknown event type "${o.type.slice(0, 64)}"`);
    const version = o.schema_version ?? 1;
    if (typeof version !== "number" || !Number.isInteger(version)) {
      return fail(`schema_version: must be an integer, got ${typeName(version)}`);
    }
    const schema: EventSchema | undefined = registry.get(o.type, version);
    if (!schema) return fail(`schema_version: ${o.type} has versions ${versions.join(", ")}, got ${version}`);

    const c = compile(schema);
    for (const [name, spec] of c.required) {
      const v = o[name];
      if (v === undefined) return fail(`${name}: required field is missing`);
      const err = check(spec, v, name, now, maxFutureMs);
      if (err) return fail(err);
    }
    for (const name of Object.keys(o)) {
      if (schema.required[name] !== undefined || passKeys.has(name)) continue;
      const spec = schema.optional[name];
      if (spec === undefined) return fail(`${name}: unknown field for ${schema.type} v${schema.version}`);
      const v = o[name];
      if (v === undefined) continue;
      const err = check(spec, v, name, now, maxFutureMs);
      if (err) return fail(err);
    }

    const generatedId = id === undefined;
    if (opts.inPlace && !generatedId && o.schema_version !== undefined)
      return { ok: true, event: o as unknown as PlayEvent, generatedId };
    const event: Record<string, unknown> = { id: id ?? newId(now), type: o.type, schema_version: version };
    for (const [name] of c.required) event[name] = o[name];
    for (const [name] of c.optional) {
      const v = o[name];
      if (v !== undefined) event[name] = v;
    }
    return { ok: true, event: event as unknown as PlayEvent, generatedId };
  };
}

/** Replaces unpaired UTF-16 surrogates with U+FFFD, so text echoed from bad input can be stored. */
export function toWellFormed(s: string): string {
  return s.replace(new RegExp(LONE_SURROGATE.source, "g"), "\uFFFD");
}
