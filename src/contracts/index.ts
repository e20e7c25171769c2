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
