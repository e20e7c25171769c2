/** Declarative field specifications: the validator and the schema compatibility check both read them. */
export type FieldSpec =
  | { kind: "string"; max: number; pattern?: RegExp; hint?: string }
  | { kind: "int"; min: number; max: number }
  | { kind: "bool" }
  | { kind: "timestamp" }
  | { kind: "strings"; maxItems: number; maxLength: number }
  | { kind: "object"; fields: Record<string, FieldSpec>; required: readonly string[] }
  | { kind: "flat"; maxKeys: number; maxKeyLength: number; maxValueLength: number };

/** Largest millisecond value accepted in any `*_ms` field: 30 days. */
export const MAX_MS = 30 * 24 * 3600 * 1000;

const NO_CONTROL = /^[^\u0000-\u001f\u007f]+$/;

export const f = {
  id: { kind: "string", max: 64, pattern: /^[A-Za-z0-9._:-]+$/, hint: "1-64 characters of A-Z a-z 0-9 . _ : -" },
  key: { kind: "string", max: 128, pattern: NO_CONTROL, hint: "1-128 characters, no control characters" },
  text: (max: number): FieldSpec => ({
    kind: "string",
    max,
    pattern: NO_CONTROL,
    hint: `1-${max} characters, no control characters`,
  }),
  ms: { kind: "int", min: 0, max: MAX_MS },
  bool: { kind: "bool" },
  timestamp: { kind: "timestamp" },
  country: { kind: "string", max: 2, pattern: /^[A-Z]{2}$/, hint: 'an ISO 3166-1 alpha-2 code such as "DE"' },
} satisfies Record<string, FieldSpec | ((n: number) => FieldSpec)>;

export function describeSpec(spec: FieldSpec): string {
  switch (spec.kind) {
    case "string":
      return spec.hint ?? `a string of 1-${spec.max} characters`;
    case "int":
      return `an integer between ${spec.min} and ${spec.max}`;
    case "bool":
      return "a boolean";
    case "timestamp":
      return "an ISO 8601 timestamp with a time zone, e.g. 2026-01-02T03:04:05.678Z";
    case "strings":
      return `an array of at most ${spec.maxItems} strings of 1-${spec.maxLength} characters`;
    case "object":
      return `an object with fields ${Object.keys(spec.fields).join(", ")}`;
    case "flat":
      return `a flat object of at most ${spec.maxKeys} keys with string (≤ ${spec.maxValueLength} chars), number, boolean or null values`;
  }
}
