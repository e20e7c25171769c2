import { validate } from "@readme/openapi-parser";
import { describe, expect, it } from "vitest";
import { SCHEMAS } from "../events/index.ts";
import { schemaComponentName } from "./json-schema.ts";
import { documentedRoutes, openApiDocument, openApiPath } from "./openapi.ts";

interface Doc {
  paths: Record<string, Record<string, { security: unknown[]; requestBody?: unknown }>>;
  components: { schemas: Record<string, unknown> };
}

describe("OpenAPI 3.1 document", () => {
  it("is valid for @readme/openapi-parser", async () => {
    const result = await validate(structuredClone(openApiDocument()) as never);
    expect(result).toMatchObject({ valid: true, warnings: [] });
  });

  it("has one operation per documented route, and each route once", () => {
    const doc = openApiDocument() as unknown as Doc;
    const ops = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`),
    );
    const routes = documentedRoutes().map((r) => `${r.method} ${openApiPath(r.path)}`);
    expect(new Set(routes).size).toBe(routes.length);
    expect(ops.sort()).toEqual(routes.sort());
  });

  it("takes the event schemas from the registry, Segment's from its zod validators", () => {
    const doc = openApiDocument() as unknown as Doc;
    for (const s of SCHEMAS)
      expect(doc.components.schemas[schemaComponentName(s.type, s.version)]).toMatchObject({
        properties: { type: { const: s.type } },
      });
    expect(doc.components.schemas.SegmentBatch).toMatchObject({
      type: "object",
      properties: { batch: { type: "array" } },
      required: ["batch"],
    });
    expect(doc.paths["/v1/events"]?.post?.security).toEqual([{ writeKey: [] }, { publishableKey: [] }]);
    expect(doc.paths["/v1/lag"]?.get?.security).toEqual([{ readKey: [] }]);
    expect(doc.paths["/openapi.json"]?.get?.security).toEqual([]);
    expect(doc.paths["/v1/batch"]?.post?.security).toEqual([
      { writeKey: [] },
      { publishableKey: [] },
      { segmentBasic: [] },
    ]);
  });
});
