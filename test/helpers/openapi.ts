import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { expect } from "vitest";

interface OpenApiDoc {
  paths: Record<
    string,
    Record<string, { responses: Record<string, { content?: Record<string, { schema?: object }> }> }>
  >;
  components: { schemas: Record<string, object> };
}

const compiled = new WeakMap<object, Ajv2020>();

/** One Ajv per document, holding its components under the document's own `$ref` base. */
function ajvFor(doc: OpenApiDoc): Ajv2020 {
  let ajv = compiled.get(doc);
  if (!ajv) {
    ajv = new Ajv2020({ strict: false, allowUnionTypes: true });
    addFormats.default(ajv);
    ajv.addSchema({ $id: "https://playpulse.invalid/openapi", components: doc.components });
    compiled.set(doc, ajv);
  }
  return ajv;
}

/** A JSON schema whose `#/components/...` refs point into the document registered as `openapi`. */
function rebased(schema: object): object {
  return JSON.parse(
    JSON.stringify(schema).replaceAll('"#/components/', '"https://playpulse.invalid/openapi#/components/'),
  ) as object;
}

/**
 * Checks one real answer against the OpenAPI document: `method path` is an operation, `status` is
 * one of its responses, and a JSON `body` matches that response's schema (Ajv, JSON Schema 2020-12).
 *
 * @example
 * expectMatchesOpenApi(doc, "POST", "/v1/events", res.status, res.body);
 */
export function expectMatchesOpenApi(doc: unknown, method: string, path: string, status: number, body: unknown): void {
  const d = doc as OpenApiDoc;
  const op = d.paths[path]?.[method.toLowerCase()];
  expect(op, `${method} ${path} in the document`).toBeDefined();
  const response = op?.responses[String(status)];
  expect(response, `${method} ${path} ${status} in the document`).toBeDefined();
  const schema = response?.content?.["application/json"]?.schema;
  expect(schema, `${method} ${path} ${status} has a JSON schema`).toBeDefined();
  if (!schema) return;
  const validate = ajvFor(d).compile(rebased(schema));
  const ok = validate(body);
  expect(ok ? [] : validate.errors, `${method} ${path} ${status} body`).toEqual([]);
}
