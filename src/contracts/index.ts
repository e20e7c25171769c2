export {
  JSON_SCHEMA_DIALECT,
  eventJsonSchema,
  fieldSchema,
  publishedSchemas,
  schemaComponentName,
  schemaIndex,
  schemaPath,
} from "./json-schema.ts";
export type { JsonSchema, SchemaIndexEntry } from "./json-schema.ts";
export { comparePublished, PUBLISHED_SNAPSHOT } from "./published.ts";
export type { PublishedComparison } from "./published.ts";
export { asyncApiDocument } from "./asyncapi.ts";
export type { AsyncApiOptions } from "./asyncapi.ts";
export { createContractRoutes } from "./routes.ts";
export type { ContractRoutesDeps } from "./routes.ts";
export { documentedRoutes, openApiDocument, openApiPath } from "./openapi.ts";
export type { OpenApiOptions } from "./openapi.ts";
export { ROUTE_DOCS } from "./openapi-routes.ts";
export type { RouteDoc, RouteNeed } from "./openapi-routes.ts";
export { addDocsPage, DOCS_CSP } from "./docs-page.ts";
