import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { describe, expect, it } from "vitest";
import { createValidator, SCHEMAS, type EventSchema } from "../events/index.ts";
import { sampleEvent } from "../events/samples.ts";
import { eventJsonSchema, publishedSchemas, schemaIndex, schemaPath } from "./json-schema.ts";

const ajv = new Ajv2020({ strict: true, allowUnionTypes: true, allErrors: true });
addFormats.default(ajv);
const validate = createValidator({ now: () => Date.parse("2026-06-01T00:00:00Z") });
const label = (s: EventSchema) => `${s.type} v${s.version}`;
const compiled = (s: EventSchema) => ajv.getSchema(schemaPath(s.type, s.version)) ?? ajv.compile(eventJsonSchema(s));

/** Values the edge validator refuses for a field of each kind (the published schema must refuse them too). */
function badValues(schema: EventSchema): [string, unknown][] {
  const out: [string, unknown][] = [];
  for (const [name, spec] of Object.entries({ ...schema.required, ...schema.optional })) {
    switch (spec.kind) {
      case "string":
        out.push([name, ""], [name, "x".repeat(spec.max + 1)], [name, 7], [name, "a\u0001b"]);
        break;
      case "int":
        out.push([name, spec.min - 1], [name, spec.max + 1], [name, 1.5], [name, "5"]);
        break;
      case "bool":
        out.push([name, "true"], [name, 1]);
        break;
      case "timestamp":
        out.push([name, "2026-01-01"], [name, "2026-01-01T00:00:00"], [name, 17]);
        break;
      case "strings":
        out.push([name, [""]], [name, Array.from({ length: spec.maxItems + 1 }, () => "g")], [name, "g"]);
        break;
      case "object":
        out.push([name, { nope: "x" }], [name, []]);
        break;
      case "flat":
        out.push([name, { a: { b: 1 } }], [name, { k: "v".repeat(spec.maxValueLength + 1) }], [name, [1]]);
        break;
    }
  }
  return out;
}

describe("published JSON Schemas", () => {
  it("publishes one schema per registry entry, at /schemas/<type>/v<N>.json, and an index", () => {
    const published = publishedSchemas();
    expect(published.size).toBe(SCHEMAS.length);
    expect([...published.keys()]).toContain("/schemas/user.video.heartbeat/v2.json");
    expect(schemaIndex().filter((e) => e.type === "user.video.heartbeat")).toEqual([
      { type: "user.video.heartbeat", version: 1, latest: false, url: "/schemas/user.video.heartbeat/v1.json" },
      { type: "user.video.heartbeat", version: 2, latest: true, url: "/schemas/user.video.heartbeat/v2.json" },
    ]);
  });

  describe.each(SCHEMAS.map((s) => [label(s), s] as const))("%s", (_name, schema) => {
    const check = compiled(schema);

    it("accepts the minimal and the full sample, as the edge does", () => {
      for (const full of [false, true]) {
        const event = sampleEvent(schema, full);
        expect(validate(event).ok).toBe(true);
        expect(check(event)).toBe(true);
      }
    });

    it("refuses what the edge refuses: bad field values, unknown fields, missing required fields", () => {
      const base = sampleEvent(schema, true);
      const cases: Record<string, unknown>[] = badValues(schema).map(([k, v]) => ({ ...base, [k]: v }));
      cases.push({ ...base, surprise: 1 }, { ...base, id: "has space" }, { ...base, schema_version: 99 });
      for (const name of Object.keys(schema.required))
        cases.push(Object.fromEntries(Object.entries(base).filter(([k]) => k !== name)));
      for (const event of cases) {
        expect([validate(event).ok, check(event)], JSON.stringify(event).slice(0, 200)).toEqual([false, false]);
      }
    });
  });

  it("lets a v1 event omit schema_version and requires it on later versions", () => {
    const [v1, v2] = [
      SCHEMAS.find((s) => s.type === "user.video.failed" && s.version === 1),
      SCHEMAS.find((s) => s.type === "user.video.failed" && s.version === 2),
    ];
    const { schema_version: _v1, ...bare1 } = sampleEvent(v1!, false);
    const { schema_version: _v2, ...bare2 } = sampleEvent(v2!, false);
    expect(compiled(v1!)(bare1)).toBe(true);
    expect(compiled(v2!)(bare2)).toBe(false);
  });
});
