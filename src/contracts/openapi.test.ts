import { validate } from "@readme/openapi-parser";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { VideoStatsAnswer } from "../query/answers.ts";
import { SCHEMAS } from "../events/index.ts";
import { schemaComponentName } from "./json-schema.ts";
import { documentedRoutes, openApiDocument, openApiPath } from "./openapi.ts";
import { ANSWERS } from "./openapi-routes.ts";

interface Doc {
  paths: Record<
    string,
    Record<
      string,
      {
        security: unknown[];
        requestBody?: unknown;
        responses: Record<string, { content: Record<string, { schema?: { $ref: string } }> }>;
      }
    >
  >;
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

  it("pins every JSON answer of every route to a closed schema declared in code", () => {
    const doc = openApiDocument() as unknown as Doc;
    const component = (ref: string) => doc.components.schemas[ref.replace("#/components/schemas/", "")];
    const closed = (name: string): boolean => {
      const schema = component(`#/components/schemas/${name}`) as
        { oneOf?: { $ref: string }[]; additionalProperties?: unknown; properties?: object } | undefined;
      if (schema?.oneOf) return schema.oneOf.every((s) => closed(s.$ref.replace("#/components/schemas/", "")));
      return schema?.additionalProperties === false && Object.keys(schema.properties ?? {}).length > 0;
    };
    const answers = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops).flatMap(([method, op]) =>
        Object.entries(op.responses).flatMap(([status, r]) => {
          const ref = r.content["application/json"]?.schema?.$ref;
          return ref === undefined ? [] : [[`${method.toUpperCase()} ${path} ${status}`, ref] as const];
        }),
      ),
    );
    expect(answers.length).toBeGreaterThan(100);
    // Every answer is closed: no exception.
    const open = answers.filter(([, ref]) => !closed(ref.replace("#/components/schemas/", "")));
    expect(open).toEqual([]);
    // Each query route's answer is its own schema, and it is the zod schema the route is typed from.
    const query = answers.filter(([op]) =>
      / \/v1\/(?!events |batch|track|page|screen|identify|group|alias).* 200$/.test(op),
    );
    expect(Object.fromEntries(query)).toEqual({
      "GET /v1/concurrency 200": "#/components/schemas/Concurrency",
      "GET /v1/breakdown 200": "#/components/schemas/Breakdown",
      "GET /v1/timeseries 200": "#/components/schemas/Timeseries",
      "GET /v1/overview 200": "#/components/schemas/Overview",
      "GET /v1/events/{id} 200": "#/components/schemas/EventLocation",
      "GET /v1/lag 200": "#/components/schemas/Lag",
      "GET /v1/videos/top 200": "#/components/schemas/TopVideos",
      "GET /v1/videos/{video_id}/stats 200": "#/components/schemas/VideoStats",
      "GET /v1/trending 200": "#/components/schemas/Trending",
      "GET /v1/users/{user_id}/recommendations 200": "#/components/schemas/Recommendations",
      "POST /v1/experiments 200": "#/components/schemas/ExperimentCreated",
      "GET /v1/experiments 200": "#/components/schemas/ExperimentList",
      "GET /v1/experiments/{experiment_id} 200": "#/components/schemas/Experiment",
      "GET /v1/experiments/{experiment_id}/evaluations 200": "#/components/schemas/ExperimentEvaluations",
      "GET /v1/alerts/rules 200": "#/components/schemas/AlertRules",
      "POST /v1/alerts/rules 200": "#/components/schemas/AlertRuleCreated",
      "DELETE /v1/alerts/rules/{rule_id} 200": "#/components/schemas/AlertRuleDeleted",
      "GET /v1/alerts 200": "#/components/schemas/Alerts",
      "GET /v1/erasures/{erasure_id} 200": "#/components/schemas/ErasureReceipt",
    });
    const { $schema: _dialect, ...stats } = z.toJSONSchema(VideoStatsAnswer, { io: "output" });
    expect(doc.components.schemas.VideoStats).toEqual(stats);
    expect(Object.keys(ANSWERS).every((name) => doc.components.schemas[name] !== undefined)).toBe(true);
  });
});
