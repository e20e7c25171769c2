import { SCHEMAS, type ENVELOPE_FIELDS, type EventSchema, type FieldSpec } from "../events/index.ts";

/** A JSON Schema (2020-12) document or subschema, as plain JSON. */
export type JsonSchema = Record<string, unknown>;

export const JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema";

/** The id pattern the edge validator applies (src/events/validate.ts). */
const ID_PATTERN = "^[A-Za-z0-9._:-]+$";
/** The timestamp shape the edge validator applies: ISO 8601 with a zone. */
const TIMESTAMP_PATTERN = "^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?(Z|[+-]\\d{2}:\\d{2})$";

/** The JSON Schema of one field spec; it accepts what `createValidator` accepts for that field. */
export function fieldSchema(spec: FieldSpec): JsonSchema {
  switch (spec.kind) {
    case "string":
      return {
        type: "string",
        minLength: 1,
        maxLength: spec.max,
        ...(spec.pattern ? { pattern: spec.pattern.source } : {}),
        ...(spec.hint ? { description: spec.hint } : {}),
      };
    case "int":
      return { type: "integer", minimum: spec.min, maximum: spec.max };
    case "bool":
      return { type: "boolean" };
    case "timestamp":
      return {
        type: "string",
        format: "date-time",
        pattern: TIMESTAMP_PATTERN,
        description: "ISO 8601 with a time zone, not before 1970, at most 24 h in the future",
      };
    case "strings":
      return {
        type: "array",
        maxItems: spec.maxItems,
        items: { type: "string", minLength: 1, maxLength: spec.maxLength },
      };
    case "object":
      return {
        type: "object",
        properties: Object.fromEntries(Object.entries(spec.fields).map(([k, v]) => [k, fieldSchema(v)])),
        ...(spec.required.length > 0 ? { required: [...spec.required] } : {}),
        additionalProperties: false,
      };
    case "flat":
      return {
        type: "object",
        maxProperties: spec.maxKeys,
        propertyNames: { minLength: 1, maxLength: spec.maxKeyLength },
        additionalProperties: { type: ["string", "number", "boolean", "null"], maxLength: spec.maxValueLength },
      };
  }
}

/** The served path of one event type's version: `/schemas/<type>/v<N>.json`. */
export function schemaPath(type: string, version: number): string {
  return `/schemas/${type}/v${version}.json`;
}

/** The component name of one event schema in the OpenAPI and AsyncAPI documents. */
export function schemaComponentName(type: string, version: number): string {
  return `${type}.v${version}`;
}

/**
 * The JSON Schema of one event type's version, generated from the registry entry the edge
 * validates with, so the published schema and the validator cannot drift. Version 1 events may
 * omit `schema_version`; later versions must name theirs.
 *
 * @example
 * const schema = eventJsonSchema(SCHEMAS[0]!); // { $schema, $id: "/schemas/user.video.play_requested/v1.json", ... }
 */
export function eventJsonSchema(schema: EventSchema): JsonSchema {
  const envelope: Record<(typeof ENVELOPE_FIELDS)[number], JsonSchema> = {
    id: {
      type: "string",
      minLength: 1,
      maxLength: 64,
      pattern: ID_PATTERN,
      description: "unique per event; the edge assigns a UUIDv7 when absent. A resend with the same id is a duplicate",
    },
    type: { const: schema.type },
    schema_version: { const: schema.version, ...(schema.version === 1 ? { default: 1 } : {}) },
  };
  const fields = (specs: Record<string, FieldSpec>) =>
    Object.entries(specs).map(([k, v]) => [k, fieldSchema(v)] as const);
  return {
    $schema: JSON_SCHEMA_DIALECT,
    $id: schemaPath(schema.type, schema.version),
    title: `${schema.type} v${schema.version}`,
    type: "object",
    properties: Object.fromEntries([
      ...Object.entries(envelope),
      ...fields(schema.required),
      ...fields(schema.optional),
    ]),
    required: ["type", ...(schema.version === 1 ? [] : ["schema_version"]), ...Object.keys(schema.required)],
    additionalProperties: false,
  };
}

export interface SchemaIndexEntry {
  type: string;
  version: number;
  latest: boolean;
  url: string;
}

/** Every published event schema, keyed by its served path. */
export function publishedSchemas(schemas: readonly EventSchema[] = SCHEMAS): Map<string, JsonSchema> {
  return new Map(schemas.map((s) => [schemaPath(s.type, s.version), eventJsonSchema(s)]));
}

/** `/schemas/index.json`: each type's versions, the latest marked. */
export function schemaIndex(schemas: readonly EventSchema[] = SCHEMAS): SchemaIndexEntry[] {
  const latest = new Map<string, number>();
  for (const s of schemas) latest.set(s.type, Math.max(latest.get(s.type) ?? 0, s.version));
  return [...schemas]
    .sort((a, b) => a.type.localeCompare(b.type) || a.version - b.version)
    .map((s) => ({
      type: s.type,
      version: s.version,
      latest: latest.get(s.type) === s.version,
      url: schemaPath(s.type, s.version),
    }));
}
