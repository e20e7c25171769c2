import type { JsonSchema } from "./json-schema.ts";

/** Who may call a route (docs/security.md, "Every route and the key it needs"). */
export type RouteNeed = "nothing" | "sender" | "stats:read" | "admin or events:write" | "admin";

/** One served route as the OpenAPI document describes it. `path` is Hono's pattern (`:id`). */
export interface RouteDoc {
  method: "GET" | "POST" | "DELETE";
  path: string;
  summary: string;
  need: RouteNeed;
  /** `components/schemas` name of the JSON request body. */
  body?: string;
  /** Status -> `components/schemas` name (JSON) or a media type (`text/html`, ...) for non-JSON answers. */
  responses: Record<string, string>;
  /** Also takes Segment's HTTP Basic auth (the write key as the user name). */
  segment?: boolean;
}

/**
 * Response shapes with no validator in code: minimal schemas written here, beside the route
 * table, and said so in docs/api.md ("Contracts"). The query answers are objects whose fields
 * docs/api.md lists per route; the document does not yet pin them.
 */
export const HAND_WRITTEN: Record<string, JsonSchema> = {
  Health: { type: "object", properties: { status: { const: "ok" } }, required: ["status"] },
  Readiness: {
    type: "object",
    properties: {
      status: { enum: ["ready", "not_ready"] },
      checks: { type: "object", additionalProperties: { type: "boolean" } },
    },
    required: ["status", "checks"],
  },
  SegmentSuccess: { type: "object", properties: { success: { const: true } }, required: ["success"] },
  QueryAnswer: { type: "object", description: "fields per route in docs/api.md; not yet a schema in code" },
  ExperimentDefinition: { type: "object", description: "an experiment definition (docs/experiments.md)" },
  AlertRule: { type: "object", description: "an alert rule (docs/alerts.md)" },
};

const JSON_ERRORS = { "400": "Error", "401": "Error", "403": "Error" };
const SENDER_ERRORS = {
  ...JSON_ERRORS,
  "408": "Error",
  "413": "Error",
  "415": "Error",
  "429": "Error",
  "503": "Error",
};
const READ_ERRORS = { ...JSON_ERRORS, "429": "Error", "503": "Error" };

function segmentRoute(path: string, body: string): RouteDoc {
  const summary = `Segment HTTP Tracking API: ${path.slice(4)} (docs/integrations/segment.md)`;
  return {
    method: "POST",
    path,
    summary,
    need: "sender",
    body,
    responses: { "200": "SegmentSuccess", ...SENDER_ERRORS },
    segment: true,
  };
}

function query(path: string, summary: string): RouteDoc {
  return {
    method: "GET",
    path,
    summary,
    need: "stats:read",
    responses: { "200": "QueryAnswer", ...READ_ERRORS, "404": "Error" },
  };
}

function page(path: string, summary: string, mediaType: string): RouteDoc {
  return { method: "GET", path, summary, need: "nothing", responses: { "200": mediaType } };
}

/**
 * Every HTTP route of every role but the per-schema ones under `/schemas/` (the document adds
 * those from the registry). test/integration/contracts.test.ts checks this list against the
 * routes a running edge serves, so a new route fails until it is described here.
 */
export const ROUTE_DOCS: readonly RouteDoc[] = [
  { method: "GET", path: "/healthz", summary: "Liveness", need: "nothing", responses: { "200": "Health" } },
  {
    method: "GET",
    path: "/readyz",
    summary: "Readiness of this process's roles",
    need: "nothing",
    responses: { "200": "Readiness", "503": "Readiness" },
  },
  page("/metrics", "Prometheus metrics", "text/plain"),
  {
    method: "POST",
    path: "/v1/events",
    summary:
      "Send a batch of play events (docs/api.md); CloudEvents content modes too (docs/integrations/cloudevents.md)",
    need: "sender",
    body: "EventBatch",
    responses: { "202": "IngestResponse", ...SENDER_ERRORS, "400": "IngestResponseOrError" },
  },
  segmentRoute("/v1/batch", "SegmentBatch"),
  ...["track", "page", "screen", "identify", "group", "alias"].map((t) => segmentRoute(`/v1/${t}`, "SegmentMessage")),
  page("/sdk/v1/player.mjs", "Player SDK (ES module)", "text/javascript"),
  page("/sdk/v1/player.js", "Player SDK (script)", "text/javascript"),
  page("/sdk/v1/player.d.ts", "Player SDK types", "text/plain"),
  page("/sdk/v1/example", "Player SDK example page", "text/html"),
  page("/sdk/v1/example/hls", "Player SDK example page with hls.js", "text/html"),
  page("/sdk/v1/example/hls.min.js", "hls.js for the example page", "text/javascript"),
  page("/schemas/index.json", "Every event type and version, with its schema's URL", "application/json"),
  page("/asyncapi.json", "AsyncAPI 3.0 document of the NATS side", "application/json"),
  page("/openapi.json", "This document", "application/json"),
  page("/docs", "API reference page (Swagger UI)", "text/html"),
  page("/docs/init.js", "Reference page initializer", "text/javascript"),
  page("/docs/swagger-ui-bundle.js", "Swagger UI", "text/javascript"),
  page("/docs/swagger-ui.css", "Swagger UI stylesheet", "text/css"),
  query("/v1/concurrency", "Concurrent viewers"),
  query("/v1/breakdown", "Metrics broken down by a dimension"),
  query("/v1/timeseries", "Metrics over time"),
  query("/v1/overview", "Headline metrics"),
  query("/v1/events/:id", "Look up one event by id"),
  query("/v1/lag", "Consumer backlog"),
  query("/v1/videos/top", "Top videos"),
  query("/v1/videos/:video_id/stats", "One video's stats"),
  query("/v1/trending", "Trending videos"),
  query("/v1/users/:user_id/recommendations", "Recommendations for a user"),
  {
    method: "POST",
    path: "/v1/experiments",
    summary: "Define an experiment",
    need: "admin or events:write",
    body: "ExperimentDefinition",
    responses: { "200": "QueryAnswer", "201": "QueryAnswer", ...JSON_ERRORS },
  },
  {
    method: "DELETE",
    path: "/v1/users/:user_id",
    summary: "Erase a user from every store (docs/erasure.md); answers 202 with the erasure id",
    need: "admin",
    responses: { "202": "QueryAnswer", ...READ_ERRORS },
  },
  {
    method: "GET",
    path: "/v1/erasures/:erasure_id",
    summary: "An erasure's receipt: its state per store and when it completed (docs/erasure.md)",
    need: "admin",
    responses: { "200": "QueryAnswer", ...READ_ERRORS, "404": "Error" },
  },
  query("/v1/experiments", "Experiments"),
  query("/v1/experiments/:experiment_id", "One experiment's verdict"),
  {
    method: "POST",
    path: "/v1/alerts/rules",
    summary: "Define an alert rule (docs/alerts.md)",
    need: "admin",
    body: "AlertRule",
    responses: { "200": "QueryAnswer", "201": "QueryAnswer", ...JSON_ERRORS, "409": "Error" },
  },
  query("/v1/alerts/rules", "Alert rules"),
  {
    method: "DELETE",
    path: "/v1/alerts/rules/:rule_id",
    summary: "Delete an alert rule",
    need: "admin",
    responses: { "200": "QueryAnswer", ...JSON_ERRORS, "404": "Error", "409": "Error" },
  },
  query("/v1/alerts", "Alerts, firing or resolved"),
  page("/", "Dashboard", "text/html"),
  page("/dashboard", "Dashboard", "text/html"),
  page("/dashboard/", "Dashboard", "text/html"),
  page("/dashboard/app.js", "Dashboard script", "text/javascript"),
  page("/dashboard/app.css", "Dashboard stylesheet", "text/css"),
];
