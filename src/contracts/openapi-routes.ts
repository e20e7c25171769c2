import type { z } from "zod";
import * as alerts from "../alerts/answers.ts";
import { RuleInput } from "../alerts/rule.ts";
import * as erasure from "../erasure/answers.ts";
import { DefinitionInput } from "../experiments/definition.ts";
import * as experiments from "../experiments/answers.ts";
import { ErrorBody, Health, Readiness } from "../http/answers.ts";
import { IngestResponse } from "../ingest/answers.ts";
import { SegmentAnswer } from "../integrations/segment/index.ts";
import * as reads from "../query/answers.ts";

/** Who may call a route (docs/security.md, "Every route and the key it needs"). */
export type RouteNeed = "nothing" | "sender" | "stats:read" | "admin or events:write" | "admin";

/** One served route as the OpenAPI document describes it. `path` is Hono's pattern (`:id`). */
export interface RouteDoc {
  method: "GET" | "POST" | "DELETE";
  path: string;
  summary: string;
  need: RouteNeed;
  /** `components/schemas` name of the JSON request body. */
  body?: "EventBatch" | "SegmentBatch" | "SegmentMessage" | keyof typeof REQUESTS;
  /** Status -> `components/schemas` name (JSON) or a media type (`text/html`, ...) for non-JSON answers. */
  responses: Record<string, AnswerName | "IngestResponseOrError" | `${string}/${string}`>;
  /** Also takes Segment's HTTP Basic auth (the write key as the user name). */
  segment?: boolean;
}

/**
 * Every JSON answer: `components/schemas` name -> the zod schema the route's answer is typed from
 * (`satisfies` in the route, types derived with `z.output`), published with its output side. The
 * routes and the document read the same declaration, so they cannot describe two shapes.
 */
export const ANSWERS = {
  Health,
  Readiness,
  Error: ErrorBody,
  IngestResponse,
  SegmentAnswer,
  VideoStats: reads.VideoStatsAnswer,
  TopVideos: reads.TopAnswer,
  Trending: reads.TrendingAnswer,
  Recommendations: reads.RecommendationsAnswer,
  Concurrency: reads.Concurrency,
  Breakdown: reads.BreakdownAnswer,
  Timeseries: reads.TimeseriesAnswer,
  Overview: reads.Overview,
  Lag: reads.LagReport,
  EventLocation: reads.EventLocation,
  ExperimentCreated: experiments.ExperimentCreated,
  ExperimentList: experiments.ExperimentList,
  Experiment: experiments.ExperimentAnswer,
  ExperimentEvaluations: experiments.ExperimentEvaluations,
  AlertRuleCreated: alerts.AlertRuleCreated,
  AlertRules: alerts.AlertRules,
  AlertRuleDeleted: alerts.AlertRuleDeleted,
  Alerts: alerts.Alerts,
  ErasureAccepted: erasure.ErasureAccepted,
  ErasureReceipt: erasure.ErasureReceipt,
} satisfies Record<string, z.ZodType>;

export type AnswerName = keyof typeof ANSWERS;

/** Request bodies validated by zod: the validator itself, published with its input side. */
export const REQUESTS = { ExperimentDefinition: DefinitionInput, AlertRule: RuleInput } satisfies Record<
  string,
  z.ZodType
>;

const JSON_ERRORS = { "400": "Error", "401": "Error", "403": "Error" } as const;
const SENDER_ERRORS = {
  ...JSON_ERRORS,
  "408": "Error",
  "413": "Error",
  "415": "Error",
  "429": "Error",
  "503": "Error",
} as const;
const READ_ERRORS = { ...JSON_ERRORS, "429": "Error", "503": "Error" } as const;

function segmentRoute(path: string, body: "SegmentBatch" | "SegmentMessage"): RouteDoc {
  const summary = `Segment HTTP Tracking API: ${path.slice(4)} (docs/integrations/segment.md)`;
  return {
    method: "POST",
    path,
    summary,
    need: "sender",
    body,
    responses: { "200": "SegmentAnswer", ...SENDER_ERRORS },
    segment: true,
  };
}

function query(path: string, summary: string, answer: AnswerName): RouteDoc {
  return {
    method: "GET",
    path,
    summary,
    need: "stats:read",
    responses: { "200": answer, ...READ_ERRORS, "404": "Error" },
  };
}

function page(path: string, summary: string, mediaType: `${string}/${string}`): RouteDoc {
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
  query("/v1/concurrency", "Concurrent viewers", "Concurrency"),
  query("/v1/breakdown", "Metrics broken down by a dimension", "Breakdown"),
  query("/v1/timeseries", "Metrics over time", "Timeseries"),
  query("/v1/overview", "Headline metrics", "Overview"),
  query("/v1/events/:id", "Look up one event by id", "EventLocation"),
  query("/v1/lag", "Consumer backlog", "Lag"),
  query("/v1/videos/top", "Top videos", "TopVideos"),
  query("/v1/videos/:video_id/stats", "One video's stats", "VideoStats"),
  query("/v1/trending", "Trending videos", "Trending"),
  query("/v1/users/:user_id/recommendations", "Recommendations for a user", "Recommendations"),
  {
    method: "POST",
    path: "/v1/experiments",
    summary: "Define an experiment",
    need: "admin or events:write",
    body: "ExperimentDefinition",
    responses: {
      "200": "ExperimentCreated",
      "201": "ExperimentCreated",
      ...READ_ERRORS,
      "409": "Error",
      "413": "Error",
    },
  },
  {
    method: "DELETE",
    path: "/v1/users/:user_id",
    summary: "Erase a user from every store (docs/erasure.md); answers 202 with the erasure id",
    need: "admin",
    responses: { "202": "ErasureAccepted", ...READ_ERRORS },
  },
  {
    method: "GET",
    path: "/v1/erasures/:erasure_id",
    summary: "An erasure's receipt: its state per store and when it completed (docs/erasure.md)",
    need: "admin",
    responses: { "200": "ErasureReceipt", ...READ_ERRORS, "404": "Error" },
  },
  query("/v1/experiments", "Experiments", "ExperimentList"),
  query("/v1/experiments/:experiment_id", "One experiment's verdict", "Experiment"),
  query(
    "/v1/experiments/:experiment_id/evaluations",
    "One experiment's verdict changes, as the evaluations role announced them, latest first",
    "ExperimentEvaluations",
  ),
  {
    method: "POST",
    path: "/v1/alerts/rules",
    summary: "Define an alert rule (docs/alerts.md)",
    need: "admin",
    body: "AlertRule",
    responses: { "200": "AlertRuleCreated", "201": "AlertRuleCreated", ...READ_ERRORS, "409": "Error", "413": "Error" },
  },
  query("/v1/alerts/rules", "Alert rules", "AlertRules"),
  {
    method: "DELETE",
    path: "/v1/alerts/rules/:rule_id",
    summary: "Delete an alert rule",
    need: "admin",
    responses: { "200": "AlertRuleDeleted", ...READ_ERRORS, "404": "Error", "409": "Error" },
  },
  query("/v1/alerts", "Alerts, firing or resolved", "Alerts"),
  page("/", "Dashboard", "text/html"),
  page("/dashboard", "Dashboard", "text/html"),
  page("/dashboard/", "Dashboard", "text/html"),
  page("/dashboard/app.js", "Dashboard script", "text/javascript"),
  page("/dashboard/app.css", "Dashboard stylesheet", "text/css"),
];
