import { Hono } from "hono";
import { SCHEMAS, type EventSchema, type SubjectNames } from "../events/index.ts";
import { asyncApiDocument } from "./asyncapi.ts";
import { addDocsPage } from "./docs-page.ts";
import { openApiDocument } from "./openapi.ts";
import { NO_CACHE, serveAsset } from "../web/index.ts";
import { publishedSchemas, schemaIndex } from "./json-schema.ts";

export interface ContractRoutesDeps {
  /** The registry to publish (the built-in one unless told). */
  schemas?: readonly EventSchema[];
  /** The deployment's subject names, for the AsyncAPI channels' addresses. */
  subjects?: SubjectNames;
}

function jsonAsset(value: unknown, contentType: string) {
  return serveAsset({
    body: new TextEncoder().encode(`${JSON.stringify(value, null, 2)}\n`),
    contentType,
    cacheControl: NO_CACHE,
    headers: { "access-control-allow-origin": "*" },
  });
}

/**
 * The machine-readable contracts the edge serves (docs/api.md, "Contracts"): the JSON Schema of
 * every event type and version under `/schemas/`, generated from the registry it validates with,
 * the AsyncAPI 3.0 document of the NATS side at `/asyncapi.json`, the OpenAPI 3.1 document of
 * every HTTP route at `/openapi.json` and its reference page at `/docs` (Swagger UI).
 *
 * @example
 * app.route("/", createContractRoutes());
 */
export function createContractRoutes(deps: ContractRoutesDeps = {}): Hono {
  const schemas = deps.schemas ?? SCHEMAS;
  const app = new Hono();
  app.get("/schemas/index.json", jsonAsset(schemaIndex(schemas), "application/json"));
  const asyncApi = asyncApiDocument({ schemas, ...(deps.subjects ? { subjects: deps.subjects } : {}) });
  app.get("/asyncapi.json", jsonAsset(asyncApi, "application/json"));
  app.get("/openapi.json", jsonAsset(openApiDocument({ schemas }), "application/json"));
  addDocsPage(app);
  for (const [path, schema] of publishedSchemas(schemas)) app.get(path, jsonAsset(schema, "application/schema+json"));
  return app;
}
