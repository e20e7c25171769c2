import { Hono, type Context } from "hono";
import type { Publisher } from "../../bus/index.ts";
import { createValidator, subjectNames, type SchemaRegistry, type SubjectNames } from "../../events/index.ts";
import { checkSender, keyRing, mayPublish, type Keys } from "../../http/auth.ts";
import { ApiError } from "../../http/errors.ts";
import {
  contentCoding,
  dedupId,
  deviceClass,
  inflate,
  parseJsonBody,
  planBatch,
  plannedData,
  publishFailure,
  readBody,
  requestBody,
  summarize,
  type BodyLimits,
} from "../../ingest/index.ts";
import { cloudEventHeaders, sourcesOf, toItem } from "./map.ts";

/** The three HTTP content modes of CloudEvents 1.0. */
export type CloudEventsMode = "structured" | "batch" | "binary";

export const MIME_CE = "application/cloudevents+json";
export const MIME_CE_BATCH = "application/cloudevents-batch+json";

export interface CloudEventsDeps {
  publisher: Publisher;
  keys: Keys;
  limits: BodyLimits;
  retryAfterSeconds: number;
  subjects?: SubjectNames;
  registry?: SchemaRegistry;
  now?: () => number;
  /** Extra headers for each published message (trace context). */
  messageHeaders?: (req: Request) => Record<string, string> | undefined;
  /** PLAYPULSE_USER_ID_HASH: the stored form of a user id (src/privacy), applied before publishing. */
  userIds?: ((userId: string) => string) | undefined;
}

/** The content mode of a request, or undefined when it is not a CloudEvents request (then `POST /v1/events` reads it as usual). */
export function cloudEventsMode(contentType: string | undefined, headers: Headers): CloudEventsMode | undefined {
  const mime = (contentType ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  if (mime === MIME_CE_BATCH) return "batch";
  if (mime === MIME_CE) return "structured";
  return headers.has("ce-specversion") ? "binary" : undefined;
}

/** Binary mode: the attributes from the `ce-*` headers (percent-decoded), `data` from the JSON body. */
function binaryEvent(headers: Headers, bytes: Uint8Array): Record<string, unknown> {
  const ce: Record<string, unknown> = {};
  headers.forEach((value, name) => {
    if (!name.startsWith("ce-")) return;
    try {
      ce[name.slice(3)] = decodeURIComponent(value);
    } catch {
      ce[name.slice(3)] = value;
    }
  });
  const type = headers.get("content-type");
  if (type) ce.datacontenttype = type;
  if (bytes.byteLength > 0) ce.data = parseJsonBody(bytes, "data (the body of a binary-mode CloudEvent)");
  return ce;
}

/** The CloudEvents of a request, as JSON values (each checked on its own later). */
function eventsOf(mode: CloudEventsMode, c: Context, bytes: Uint8Array, limits: BodyLimits): unknown[] {
  if (mode === "binary") return [binaryEvent(c.req.raw.headers, bytes)];
  const body = parseJsonBody(bytes, "body");
  if (mode === "structured") return [body];
  if (!Array.isArray(body)) throw new ApiError(400, "invalid_body", `a ${MIME_CE_BATCH} body must be a JSON array`);
  if (body.length === 0) throw new ApiError(400, "empty_batch", "the request holds no events");
  if (body.length > limits.maxBatchEvents) {
    throw new ApiError(
      413,
      "payload_too_large",
      `${body.length} events in one request; at most ${limits.maxBatchEvents}`,
    );
  }
  return body;
}

/**
 * CloudEvents 1.0 over HTTP on `POST /v1/events`: structured (`application/cloudevents+json`),
 * batched (`application/cloudevents-batch+json`) and binary (`ce-*` headers, the data as the body)
 * modes. Mount it before the ingest routes: a request in none of these modes goes on to them. Keys,
 * limits, answers (202 / 400 / 503) and per-event results are those of `POST /v1/events`; a missing
 * `specversion`, or one other than 1.0, rejects that event with a reason. Each published message
 * carries the CloudEvents binary-mode headers (`ce-source` keeps the source).
 *
 * @example
 * routes.unshift(createCloudEventsRoutes({ publisher, keys, limits, retryAfterSeconds: 2 }));
 */
export function createCloudEventsRoutes(deps: CloudEventsDeps): Hono {
  const subjects = deps.subjects ?? subjectNames();
  const now = deps.now ?? Date.now;
  // In place: each item was mapped from this request alone (src/ingest/routes.ts says why).
  const validate = createValidator({ ...(deps.registry ? { registry: deps.registry } : {}), now, inPlace: true });
  const find = keyRing(deps.keys);
  const app = new Hono();
  app.post("/v1/events", async (c, next) => {
    const mode = cloudEventsMode(c.req.header("content-type"), c.req.raw.headers);
    if (mode === undefined) return next();
    const key = checkSender(find, c.req.header("authorization"), c.req.query("key"), c.req.header("origin"));
    const coding = contentCoding(c.req.header("content-encoding"));
    const bytes = await inflate(await readBody(requestBody(c.req.raw, c.env), deps.limits), coding, deps.limits);
    const receivedAt = now();
    const raws = eventsOf(mode, c, bytes, deps.limits);
    const sources = sourcesOf(raws);
    const context = { deviceType: deviceClass(c.req.header("user-agent")) };
    const plan = planBatch(
      raws.map((r) => toItem(r, receivedAt)),
      validate,
      {
        maxEventBytes: deps.limits.maxEventBytes,
        receivedAt,
        context,
        allow: (type) => mayPublish(key, type),
        userIds: deps.userIds,
      },
    );
    const extra = deps.messageHeaders?.(c.req.raw);
    const outcomes = await deps.publisher.publish(
      plan.publish.map((p) => ({
        subject: subjects.forType(p.event.type),
        // As on POST /v1/events: deduplication is per source of the key.
        msgId: dedupId(key.source, p.event.id),
        data: plannedData(p),
        headers: { ...extra, ...cloudEventHeaders(p.event, sources[p.index] ?? "unknown") },
      })),
    );
    const failed = outcomes.find((o) => o.status === "failed");
    if (failed?.status === "failed") throw publishFailure(failed, deps.retryAfterSeconds);
    plan.publish.forEach((p, i) => {
      const r = plan.results[p.index];
      if (outcomes[i]?.status === "stored" && r && (outcomes[i] as { duplicate: boolean }).duplicate)
        r.status = "duplicate";
    });
    const body = summarize(plan.results);
    return c.json(body, body.accepted + body.duplicates > 0 ? 202 : 400);
  });
  return app;
}
