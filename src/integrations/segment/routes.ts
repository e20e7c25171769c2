import { Hono, type Context } from "hono";
import type { Publisher } from "../../bus/index.ts";
import { createValidator, subjectNames, type SchemaRegistry, type SubjectNames } from "../../events/index.ts";
import { allowedOrigins, checkSender, keyRing, mayPublish, type Keys, type KeyRing } from "../../http/auth.ts";
import type { KeyEntry } from "../../keys/index.ts";
import { ApiError } from "../../http/errors.ts";
import {
  contentCoding,
  inflate,
  ingestCors,
  parseJsonBody,
  readBody,
  requestBody,
  type BodyLimits,
} from "../../ingest/index.ts";
import { mapMessage } from "./map.ts";
import { storeMessages, type MessageResult } from "./pipeline.ts";
import { MESSAGE_TYPES, SegmentBatch, type MessageType, type SegmentAnswer } from "./schema.ts";
import type { ViewStore } from "./view-store.ts";

export interface SegmentObserver {
  /** Called once per request with what became of each message; for metrics. */
  onMessages?(results: readonly MessageResult[]): void;
}

export interface SegmentDeps {
  publisher: Publisher;
  keys: Keys;
  limits: BodyLimits;
  views: ViewStore;
  retryAfterSeconds: number;
  subjects?: SubjectNames;
  registry?: SchemaRegistry;
  now?: () => number;
  /** Extra headers for each published message (trace context). */
  messageHeaders?: (req: Request) => Record<string, string> | undefined;
  observer?: SegmentObserver;
  /** PLAYPULSE_USER_ID_HASH: the stored form of a user id (src/privacy), applied before publishing. */
  userIds?: ((userId: string) => string) | undefined;
}

/** The routes of Segment's HTTP Tracking API. */
export const SEGMENT_ROUTES = ["batch", ...MESSAGE_TYPES] as const;

const HOW = 'send the write key as the HTTP Basic username with an empty password, or as "writeKey" in the body';

/** The key of `Authorization: Basic base64(<key>:)` (or `Bearer <key>`); undefined without the header. */
function headerKey(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const [scheme, value = ""] = header.trim().split(/\s+/, 2);
  if (scheme?.toLowerCase() === "bearer" && value !== "") return value;
  if (scheme?.toLowerCase() !== "basic")
    throw new ApiError(401, "unauthorized", `unsupported Authorization scheme; ${HOW}`);
  let decoded: string;
  try {
    decoded = atob(value);
  } catch {
    throw new ApiError(401, "unauthorized", `the Basic credentials are not base64; ${HOW}`);
  }
  const key = decoded.split(":")[0] ?? "";
  if (key === "") throw new ApiError(401, "unauthorized", `the Basic username (the write key) is empty; ${HOW}`);
  return key;
}

/** The request body as JSON (gzip/deflate inflated), or a 400 naming the problem. */
async function readJson(c: Context, limits: BodyLimits): Promise<unknown> {
  const coding = contentCoding(c.req.header("content-encoding"));
  const bytes = await inflate(await readBody(requestBody(c.req.raw, c.env), limits), coding, limits);
  return parseJsonBody(bytes);
}

/** The messages of a request: `batch`'s items, or the one message a single-type route takes. */
function messagesOf(body: unknown, route: (typeof SEGMENT_ROUTES)[number], limits: BodyLimits): unknown[] {
  if (route !== "batch") {
    if (typeof body !== "object" || body === null || Array.isArray(body))
      throw new ApiError(400, "invalid_body", `the body of /v1/${route} must be a JSON object (one message)`);
    return [body];
  }
  const parsed = SegmentBatch.safeParse(body);
  if (!parsed.success) throw new ApiError(400, "invalid_body", 'the body of /v1/batch must be {"batch": [messages]}');
  if (parsed.data.batch.length > limits.maxBatchEvents) {
    throw new ApiError(
      413,
      "payload_too_large",
      `${parsed.data.batch.length} messages in one batch; at most ${limits.maxBatchEvents}`,
    );
  }
  return parsed.data.batch;
}

/** The `writeKey` of the body (or of its first message), as the browser libraries send it. */
function bodyKey(body: unknown, messages: readonly unknown[]): string | undefined {
  for (const x of [body, messages[0]]) {
    if (typeof x === "object" && x !== null && "writeKey" in x && typeof x.writeKey === "string") return x.writeKey;
  }
  return undefined;
}

/** The sender check of `POST /v1/events` (write key anywhere, publishable key from its origins), on a Segment key. */
function authorize(find: KeyRing, key: string | undefined, origin: string | undefined): KeyEntry {
  if (key === undefined || key === "") throw new ApiError(401, "unauthorized", `missing write key; ${HOW}`);
  return checkSender(find, `Bearer ${key}`, undefined, origin);
}

/**
 * Segment's HTTP Tracking API on the edge: `POST /v1/batch`, `/v1/track`, `/v1/page`, `/v1/screen`,
 * `/v1/identify`, `/v1/group`, `/v1/alias`. Video Spec events become v1 events (docs/integrations/segment.md);
 * the rest are counted and not stored. Answers 200 `{"success": true}` only after JetStream stored every
 * mapped event; 503 with Retry-After otherwise, so the SDK retries with the same messageIds.
 *
 * @example
 * app.route("/", createSegmentRoutes({ publisher, keys, limits, views, retryAfterSeconds: 2 }));
 */
export function createSegmentRoutes(deps: SegmentDeps): Hono {
  const subjects = deps.subjects ?? subjectNames();
  const now = deps.now ?? Date.now;
  // In place: each item was mapped from this request alone (src/ingest/routes.ts says why).
  const validate = createValidator({ ...(deps.registry ? { registry: deps.registry } : {}), now, inPlace: true });
  const find = keyRing(deps.keys);
  const app = new Hono();
  for (const route of SEGMENT_ROUTES) {
    const path = `/v1/${route}`;
    app.use(path, ingestCors({ origins: allowedOrigins(deps.keys) }));
    app.post(path, async (c) => {
      const fromHeader = headerKey(c.req.header("authorization"));
      const origin = c.req.header("origin");
      const headerSender = fromHeader === undefined ? undefined : authorize(find, fromHeader, origin);
      const body = await readJson(c, deps.limits);
      const messages = messagesOf(body, route, deps.limits);
      const sender = headerSender ?? authorize(find, bodyKey(body, messages), origin);
      const receivedAt = now();
      const routeType: MessageType | undefined = route === "batch" ? undefined : route;
      const mapped = messages.map((m, i) => mapMessage(m, i, routeType, receivedAt));
      const results = await storeMessages(
        mapped,
        {
          publisher: deps.publisher,
          subjects,
          views: deps.views,
          validate,
          maxEventBytes: deps.limits.maxEventBytes,
          retryAfterSeconds: deps.retryAfterSeconds,
          source: sender.source,
          allow: (type) => mayPublish(sender, type),
          messageHeaders: deps.messageHeaders?.(c.req.raw),
          userIds: deps.userIds,
        },
        receivedAt,
      );
      deps.observer?.onMessages?.(results);
      const count = (o: MessageResult["outcome"]) => results.filter((r) => r.outcome === o).length;
      const dropped = results
        .filter((r) => r.outcome === "dropped")
        .map((r) => ({ index: r.index, messageId: r.id, reason: r.reason }));
      return c.json(
        {
          success: true,
          stored: count("stored"),
          duplicates: count("duplicate"),
          ignored: count("ignored"),
          dropped,
        } satisfies SegmentAnswer,
        200,
      );
    });
  }
  return app;
}
