import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { expect } from "vitest";
import { openApiDocument } from "../../src/contracts/index.ts";

interface OpenApiDoc {
  paths: Record<
    string,
    Record<string, { responses: Record<string, { content?: Record<string, { schema?: object }> }> }>
  >;
  components: { schemas: Record<string, object> };
}

interface Compiled {
  ajv: Ajv2020;
  validators: Map<string, ValidateFunction>;
}

const compiled = new WeakMap<object, Compiled>();

/** One Ajv per document, holding its components under the document's own `$ref` base. */
function compiledFor(doc: OpenApiDoc): Compiled {
  let c = compiled.get(doc);
  if (!c) {
    const ajv = new Ajv2020({ strict: false, allowUnionTypes: true });
    addFormats.default(ajv);
    ajv.addSchema({ $id: "https://playpulse.invalid/openapi", components: doc.components });
    c = { ajv, validators: new Map() };
    compiled.set(doc, c);
  }
  return c;
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
  const c = compiledFor(d);
  const key = `${method} ${path} ${status}`;
  let validate = c.validators.get(key);
  if (!validate) {
    validate = c.ajv.compile(rebased(schema));
    c.validators.set(key, validate);
  }
  const ok = validate(body);
  expect(ok ? [] : validate.errors, `${method} ${path} ${status} body`).toEqual([]);
}

/**
 * The document's path template that a concrete request path is served by (`/v1/events/e-1` ->
 * `/v1/events/{id}`), literal segments winning over parameters; undefined when none is.
 *
 * @example
 * documentedPath(doc, "GET", "/v1/videos/m1/stats?from=0"); // "/v1/videos/{video_id}/stats"
 */
export function documentedPath(doc: unknown, method: string, url: string): string | undefined {
  const segments = (url.split(/[?#]/)[0] ?? "").split("/");
  const candidates = Object.entries((doc as OpenApiDoc).paths)
    .filter(([, ops]) => ops[method.toLowerCase()] !== undefined)
    .map(([template]) => template)
    .filter((template) => {
      const parts = template.split("/");
      return (
        parts.length === segments.length &&
        parts.every((p, i) => (/^\{\w+\}$/.test(p) ? (segments[i] ?? "") !== "" : p === segments[i]))
      );
    });
  const params = (t: string) => (t.match(/\{/g) ?? []).length;
  return candidates.sort((a, b) => params(a) - params(b))[0];
}

let ownDocument: Record<string, unknown> | undefined;

/**
 * Checks an answer the test helpers received (`startPipeline`'s `send` and `get`) against the
 * OpenAPI document the code generates, the one the edge serves at /openapi.json: every documented
 * route an integration test calls through them is checked, status and body, on every call.
 * Requests to a path the document does not have (a probe of an unknown route) are left alone.
 *
 * @example
 * expectAnswerMatchesOpenApi("GET", "/v1/lag?minutes=5", 200, body);
 */
export function expectAnswerMatchesOpenApi(method: string, url: string, status: number, body: unknown): void {
  ownDocument ??= openApiDocument();
  const path = documentedPath(ownDocument, method, url);
  if (path !== undefined) expectMatchesOpenApi(ownDocument, method, path, status, body);
}
