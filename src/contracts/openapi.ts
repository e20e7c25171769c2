import { z } from "zod";
import { SCHEMAS, type EventSchema } from "../events/index.ts";
import { SegmentBatch, SegmentMessage } from "../integrations/segment/index.ts";
import { eventJsonSchema, schemaComponentName, schemaPath, type JsonSchema } from "./json-schema.ts";
import { ANSWERS, REQUESTS, ROUTE_DOCS, type RouteDoc, type RouteNeed } from "./openapi-routes.ts";

export interface OpenApiOptions {
  /** The registry to describe (the built-in one unless told). */
  schemas?: readonly EventSchema[];
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

/** The components: every event schema (the served /schemas/ documents, `$id` dropped) and the shared shapes. */
function components(schemas: readonly EventSchema[]): Record<string, JsonSchema> {
  const events = Object.fromEntries(
    schemas.map((s) => {
      const { $schema: _dialect, $id: _id, ...schema } = eventJsonSchema(s);
      return [schemaComponentName(s.type, s.version), schema];
    }),
  );
  const anyEvent = { oneOf: schemas.map((s) => ref(schemaComponentName(s.type, s.version))) };
  const zodSchema = (schema: z.ZodType, io: "input" | "output" = "input"): JsonSchema => {
    const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: "any" });
    return rest;
  };
  const each = (all: Record<string, z.ZodType>, io: "input" | "output") =>
    Object.fromEntries(Object.entries(all).map(([name, schema]) => [name, zodSchema(schema, io)]));
  return {
    ...events,
    Event: { ...anyEvent, description: "one play or catalog event; `type` picks the schema" },
    EventBatch: { oneOf: [ref("Event"), { type: "array", items: ref("Event") }] },
    IngestResponseOrError: { oneOf: [ref("IngestResponse"), ref("Error")] },
    SegmentMessage: zodSchema(SegmentMessage),
    SegmentBatch: zodSchema(SegmentBatch),
    ...each(REQUESTS, "input"),
    ...each(ANSWERS, "output"),
  };
}

const SECURITY: Record<RouteNeed, Record<string, string[]>[]> = {
  nothing: [],
  sender: [{ writeKey: [] }, { publishableKey: [] }],
  "stats:read": [{ readKey: [] }],
  "admin or events:write": [{ adminKey: [] }, { writeKey: [] }],
  admin: [{ adminKey: [] }],
};

const SECURITY_SCHEMES = {
  writeKey: { type: "http", scheme: "bearer", description: "a key with scope events:write (PLAYPULSE_WRITE_KEYS)" },
  readKey: { type: "http", scheme: "bearer", description: "a key with scope stats:read (PLAYPULSE_READ_KEYS)" },
  adminKey: { type: "http", scheme: "bearer", description: "a key with scope admin (PLAYPULSE_KEYS)" },
  publishableKey: {
    type: "http",
    scheme: "bearer",
    description: "a publishable key, from one of its allowed origins only (exact Origin match)",
  },
  segmentBasic: { type: "http", scheme: "basic", description: "Segment style: the write key as the user name" },
};

/** `/v1/events/:id` -> `/v1/events/{id}`. */
export function openApiPath(honoPath: string): string {
  return honoPath.replace(/:(\w+)/g, "{$1}");
}

function operation(route: RouteDoc) {
  const params = [...route.path.matchAll(/:(\w+)/g)].map(([, name]) => ({
    name,
    in: "path",
    required: true,
    schema: { type: "string" },
  }));
  const responses = Object.fromEntries(
    Object.entries(route.responses).map(([status, shape]) => {
      const content = shape.includes("/") ? { [shape]: {} } : { "application/json": { schema: ref(shape) } };
      return [status, { description: shape, content }];
    }),
  );
  const security = route.segment ? [...SECURITY[route.need], { segmentBasic: [] }] : SECURITY[route.need];
  return {
    summary: route.summary,
    ...(params.length > 0 ? { parameters: params } : {}),
    ...(route.body
      ? { requestBody: { required: true, content: { "application/json": { schema: ref(route.body) } } } }
      : {}),
    responses,
    security,
  };
}

/** Every route the document describes: the route table plus one per published event schema. */
export function documentedRoutes(schemas: readonly EventSchema[] = SCHEMAS): RouteDoc[] {
  const perSchema = schemas.map((s): RouteDoc => ({
    method: "GET",
    path: schemaPath(s.type, s.version),
    summary: `JSON Schema of ${s.type} v${s.version}`,
    need: "nothing",
    responses: { "200": "application/schema+json" },
  }));
  return [...ROUTE_DOCS, ...perSchema];
}

/**
 * The OpenAPI 3.1 document of every HTTP route of every role (served at `/openapi.json`): request
 * bodies from the event registry's JSON Schemas and Segment's zod validators, the error and batch
 * result shapes of the edge, the bearer key kinds of docs/security.md.
 *
 * @example
 * const doc = openApiDocument(); // { openapi: "3.1.0", paths: { "/v1/events": { post: ... } }, ... }
 */
export function openApiDocument(options: OpenApiOptions = {}): Record<string, unknown> {
  const schemas = options.schemas ?? SCHEMAS;
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of documentedRoutes(schemas)) {
    const path = (paths[openApiPath(route.path)] ??= {});
    path[route.method.toLowerCase()] = operation(route);
  }
  return {
    openapi: "3.1.0",
    jsonSchemaDialect: "https://json-schema.org/draft/2020-12/schema",
    info: {
      title: "Playpulse HTTP API",
      version: "1",
      description: "Every route of every role (ingest, query). Guide: docs/api.md.",
    },
    paths,
    components: { schemas: components(schemas), securitySchemes: SECURITY_SCHEMES },
  };
}
