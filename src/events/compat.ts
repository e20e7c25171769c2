import type { FieldSpec } from "./fields.ts";
import { schemaRegistry, type EventSchema } from "./schemas.ts";
import { sampleEvent } from "./samples.ts";
import { upcastBody, upcasterFor, type Upcaster } from "./upcasters.ts";
import { createValidator } from "./validate.ts";

/**
 * The schema compatibility check behind `playpulse schema check`. Consumers upcast every event
 * to the latest version of its type, so each step vN -> vN+1 must keep every vN event readable:
 *
 * - a required field may not be removed (consumers that read it would break);
 * - a field may not change type, nor narrow (a smaller maximum, a new pattern): old values would fail;
 * - an optional field may be removed only by an upcaster that drops it;
 * - a new required field (or an optional one made required) needs an upcaster default;
 * - a rename needs an upcaster that renames it.
 *
 * On top of these rules, a full and a minimal sample event of every version is upcast to the
 * latest version and validated, which tests the upcasters themselves.
 */
export interface CompatProblem {
  type: string;
  from: number;
  to: number;
  message: string;
}

type FieldState = { spec: FieldSpec; required: boolean };

const KIND: Record<FieldSpec["kind"], string> = {
  string: "a string",
  int: "an integer",
  bool: "a boolean",
  timestamp: "a timestamp",
  strings: "a string array",
  object: "an object",
  flat: "a flat object",
};

function fieldsOf(s: EventSchema): Map<string, FieldState> {
  const m = new Map<string, FieldState>();
  for (const [name, spec] of Object.entries(s.optional)) m.set(name, { spec, required: false });
  for (const [name, spec] of Object.entries(s.required)) m.set(name, { spec, required: true });
  return m;
}

/** Ways in which `next` rejects values that `prev` accepted; empty when it accepts them all. */
export function narrowing(path: string, prev: FieldSpec, next: FieldSpec): string[] {
  if (prev.kind !== next.kind) return [`field "${path}" changed type from ${KIND[prev.kind]} to ${KIND[next.kind]}`];
  const out: string[] = [];
  const less = (what: string, a: number, b: number) => {
    if (b < a) out.push(`field "${path}" narrowed: ${what} ${b}, was ${a}`);
  };
  if (prev.kind === "string" && next.kind === "string") {
    less("at most", prev.max, next.max);
    if (next.pattern && next.pattern.source !== prev.pattern?.source)
      out.push(`field "${path}" narrowed: its pattern changed to /${next.pattern.source}/`);
  } else if (prev.kind === "int" && next.kind === "int") {
    if (next.min > prev.min) out.push(`field "${path}" narrowed: minimum ${next.min}, was ${prev.min}`);
    less("maximum", prev.max, next.max);
  } else if (prev.kind === "strings" && next.kind === "strings") {
    less("at most items:", prev.maxItems, next.maxItems);
    less("at most characters per item:", prev.maxLength, next.maxLength);
  } else if (prev.kind === "flat" && next.kind === "flat") {
    less("at most keys:", prev.maxKeys, next.maxKeys);
    less("at most characters per key:", prev.maxKeyLength, next.maxKeyLength);
    less("at most characters per value:", prev.maxValueLength, next.maxValueLength);
  } else if (prev.kind === "object" && next.kind === "object") {
    for (const [name, spec] of Object.entries(prev.fields)) {
      const n = next.fields[name];
      if (n === undefined) out.push(`field "${path}.${name}" was removed`);
      else out.push(...narrowing(`${path}.${name}`, spec, n));
    }
    for (const name of next.required) {
      if (!prev.required.includes(name)) out.push(`field "${path}.${name}" became required`);
    }
  }
  return out;
}

/** The rules for one step, on the declared fields (the upcaster applied to the old schema). */
function checkStep(prev: EventSchema, next: EventSchema, u: Upcaster | undefined): string[] {
  const out: string[] = [];
  const before = fieldsOf(prev);
  const after = fieldsOf(next);
  const renamed = new Map(Object.entries(u?.rename ?? {}));
  const dropped = new Set(u?.drop ?? []);
  const defaulted = new Set(Object.keys(u?.defaults ?? {}));

  for (const [from, to] of renamed) {
    if (!before.has(from)) out.push(`the upcaster renames "${from}", which v${prev.version} does not have`);
    if (!after.has(to)) out.push(`the upcaster renames "${from}" to "${to}", which v${next.version} does not have`);
  }
  for (const name of dropped) {
    const f = before.get(name);
    if (f === undefined) out.push(`the upcaster drops "${name}", which v${prev.version} does not have`);
  }
  for (const name of defaulted) {
    if (!after.has(name)) out.push(`the upcaster defaults "${name}", which v${next.version} does not have`);
  }

  // Where each old field ends up after the upcaster.
  const upcast = new Map<string, FieldState>();
  for (const [name, state] of before) {
    const target = renamed.get(name) ?? name;
    if (state.required && (dropped.has(name) || !after.has(target))) {
      out.push(`required field "${name}" was removed`);
      continue;
    }
    if (dropped.has(name)) continue;
    if (!after.has(target)) {
      out.push(
        `optional field "${name}" was removed without an upcaster that drops it (v${prev.version} events carrying it would be rejected)`,
      );
      continue;
    }
    upcast.set(target, state);
  }
  for (const [name, state] of after) {
    const old = upcast.get(name);
    if (old === undefined) {
      if (state.required && !defaulted.has(name))
        out.push(`new required field "${name}" has no upcaster to fill it (v${prev.version} events cannot be upcast)`);
      continue;
    }
    if (state.required && !old.required && !defaulted.has(name))
      out.push(`field "${name}" became required without an upcaster default`);
    out.push(...narrowing(name, old.spec, state.spec));
  }
  return out;
}

/**
 * Checks every event type of `schemas` for versions 1..N without gaps, every step against the
 * rules above, and every version's samples against the latest version after upcasting.
 *
 * @example
 * const problems = checkCompatibility(SCHEMAS, UPCASTERS);
 * if (problems.length > 0) console.error(problems.map(formatProblem).join("\n"));
 */
export function checkCompatibility(schemas: readonly EventSchema[], upcasters: readonly Upcaster[]): CompatProblem[] {
  const registry = schemaRegistry(schemas);
  const validate = createValidator({ registry, maxFutureMs: Number.POSITIVE_INFINITY });
  const problems: CompatProblem[] = [];
  const types = [...new Set(schemas.map((s) => s.type))];

  for (const u of upcasters) {
    if (!registry.get(u.type, u.from) || !registry.get(u.type, u.from + 1)) {
      problems.push({
        type: u.type,
        from: u.from,
        to: u.from + 1,
        message: `an upcaster exists but v${u.from} or v${u.from + 1} does not`,
      });
    }
  }
  for (const type of types) {
    const versions = registry.versions(type);
    const latest = versions.at(-1) ?? 1;
    const expected = Array.from({ length: versions.length }, (_, i) => i + 1);
    if (versions.join() !== expected.join()) {
      problems.push({
        type,
        from: versions[0] ?? 0,
        to: latest,
        message: `versions must run 1, 2, 3 ... without gaps, got ${versions.join(", ")}`,
      });
      continue;
    }
    for (let v = 1; v < latest; v++) {
      const prev = registry.get(type, v);
      const next = registry.get(type, v + 1);
      if (!prev || !next) continue;
      for (const message of checkStep(prev, next, upcasterFor(upcasters, type, v)))
        problems.push({ type, from: v, to: v + 1, message });
    }
    if (problems.some((p) => p.type === type)) continue;
    for (const v of versions.slice(0, -1)) {
      const schema = registry.get(type, v);
      if (!schema) continue;
      for (const [label, full] of [
        ["full", true],
        ["minimal", false],
      ] as const) {
        let message: string | undefined;
        try {
          const r = validate(upcastBody(upcasters, type, sampleEvent(schema, full), v, latest));
          if (!r.ok) message = `a ${label} v${v} sample does not upcast to a valid v${latest} event: ${r.error}`;
        } catch (err: unknown) {
          message = `a ${label} v${v} sample could not be built or upcast: ${err instanceof Error ? err.message : String(err)}`;
        }
        if (message !== undefined) problems.push({ type, from: v, to: latest, message });
      }
    }
  }
  return problems;
}

export function formatProblem(p: CompatProblem): string {
  return `${p.type} v${p.from} -> v${p.to}: ${p.message}`;
}
