import type { FieldSpec } from "./fields.ts";
import type { EventSchema } from "./schemas.ts";

const STRING_CANDIDATES = ["sample", "DE", "x"];

/** A valid value for `spec`, deterministic; used by the compatibility check to exercise upcasters. */
export function sampleValue(spec: FieldSpec): unknown {
  switch (spec.kind) {
    case "string": {
      const s = STRING_CANDIDATES.find((c) => c.length <= spec.max && (!spec.pattern || spec.pattern.test(c)));
      if (s === undefined) throw new Error(`no sample string fits /${spec.pattern?.source ?? ""}/`);
      return s;
    }
    case "int":
      return spec.min;
    case "bool":
      return true;
    case "timestamp":
      return "2026-01-01T00:00:00Z";
    case "strings":
      return spec.maxItems > 0 ? ["sample"] : [];
    case "object":
      return Object.fromEntries(Object.entries(spec.fields).map(([k, v]) => [k, sampleValue(v)]));
    case "flat":
      return spec.maxKeys > 0 ? { k: "v" } : {};
  }
}

/** A sample event of `schema`: required fields only, or every field (`full`). */
export function sampleEvent(schema: EventSchema, full: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = { id: "sample-id", type: schema.type, schema_version: schema.version };
  for (const [name, spec] of Object.entries(schema.required)) out[name] = sampleValue(spec);
  if (full) for (const [name, spec] of Object.entries(schema.optional)) out[name] = sampleValue(spec);
  return out;
}
