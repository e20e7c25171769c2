import { Hono } from "hono";
import {
  createValidator,
  subjectNames,
  type QuarantineSink,
  type SchemaRegistry,
  type SubjectNames,
} from "../events/index.ts";
import type { FailureReason, Publisher } from "../bus/index.ts";
import { allowedOrigins, mayPublish, requireSender, type Keys } from "../http/auth.ts";
import { ApiError } from "../http/errors.ts";
import { parseItems, readBody, requestBody, type BodyLimits, type Item } from "./body.ts";
import { deviceClass } from "./context.ts";
import { ingestCors } from "./cors.ts";
import { contentCoding, inflate } from "./encoding.ts";
import { packBySubject, unpackOutcomes, type Packed } from "./pack.ts";
import { planBatch, plannedData, summarize, type IngestResponse, type PlannedPublish } from "./plan.ts";

export type IngestLimits = BodyLimits;

/**
 * The 503 for a request whose publish failed: nothing of it is claimed as accepted, and a retry
 * with the same ids is safe (what was stored answers "duplicate").
 */
export function publishFailure(
  failed: { reason: FailureReason; message: string },
  retryAfterSeconds: number,
): ApiError {
  const full = failed.reason === "stream_full";
  return new ApiError(
    503,
    full ? "stream_full" : "broker_unavailable",
    `${full ? "the event stream is full" : "the event broker is unavailable"} (${failed.message}); nothing from this request is claimed as accepted: retry it with the same event ids after ${retryAfterSeconds} s, and events already stored will answer "duplicate"`,
    { "Retry-After": String(retryAfterSeconds) },
  );
}

/**
 * The `Nats-Msg-Id` of an event: its id, scoped by the source of the key that sent it. Every
 * ingest route (v1 events, Segment, CloudEvents) uses it, so a resend through any of them is a duplicate.
 */
export const dedupId = (source: string, eventId: string): string => `${source}:${eventId}`;

export interface IngestObserver {
  /** Called once per request with its answer; for metrics. */
  onResponse?(status: number, body: IngestResponse | undefined, publishMs: number): void;
}

export interface IngestDeps {
  publisher: Publisher;
  keys: Keys;
  limits: IngestLimits;
  subjects?: SubjectNames;
  registry?: SchemaRegistry;
  retryAfterSeconds: number;
  /** PLAYPULSE_MAX_EVENT_AGE_DAYS in ms: older events are rejected per event. Unbounded when absent. */
  maxEventAgeMs?: number;
  now?: () => number;
  /** Extra headers for each published message (trace context). */
  messageHeaders?: (req: Request) => Record<string, string> | undefined;
  observer?: IngestObserver;
  /** PLAYPULSE_USER_ID_HASH: the stored form of a user id (src/privacy), applied before publishing. */
  userIds?: ((userId: string) => string) | undefined;
  /** Receives rejected items and bodies when quarantine is on (PLAYPULSE_QUARANTINE); never blocks. */
  quarantine?: QuarantineSink;
  /**
   * PLAYPULSE_PACK_EVENTS: a request's events for one subject travel as one message, and may share
   * it with other requests' when the publisher merges held calls (PLAYPULSE_PACK_ACROSS_REQUESTS,
   * ./pack.ts `mergeHeld`).
   */
  pack?: boolean;
}

/** A request's packs; while others are in flight they may travel with other requests' (mergeHeld). */
async function publishPacked(publisher: Publisher, packed: Packed[], count: number) {
  return unpackOutcomes(
    packed,
    await publisher.publish(
      packed.map((p) => p.message),
      { mergeable: true },
    ),
    count,
  );
}

/**
 * `POST /v1/events`: one event, a JSON array or NDJSON (also as `text/plain`, as `sendBeacon` sends
 * it), optionally gzip or deflate encoded; from servers with a write key, from web pages with a
 * publishable key (CORS, see cors.ts). Answers 202 only after JetStream
 * stored (or recognised as duplicate) every accepted event; 400 when every event was
 * rejected; 503 with Retry-After, claiming nothing, when the broker cannot store them.
 *
 * @example
 * const app = createIngestRoutes({ publisher, keys, limits, retryAfterSeconds: 2 });
 */
export function createIngestRoutes(deps: IngestDeps): Hono {
  const subjects = deps.subjects ?? subjectNames();
  const now = deps.now ?? Date.now;
  // In place: each item was parsed from this request alone (its copy cost the edge about 1 µs an event).
  const validate = createValidator({ ...(deps.registry ? { registry: deps.registry } : {}), now, inPlace: true });
  const app = new Hono();

  app.use("/v1/events", ingestCors({ origins: allowedOrigins(deps.keys) }));
  app.post("/v1/events", requireSender(deps.keys), async (c) => {
    const coding = contentCoding(c.req.header("content-encoding"));
    // On Node this reads the IncomingMessage itself; see requestBody.
    const raw = await readBody(requestBody(c.req.raw, c.env), deps.limits);
    const bytes = await inflate(raw, coding, deps.limits);
    const receivedAt = now();
    let items: Item[];
    try {
      items = parseItems(bytes, c.req.header("content-type"), deps.limits);
    } catch (err: unknown) {
      if (err instanceof ApiError)
        deps.quarantine?.body(bytes, err.code, err.message, c.req.header("content-type") ?? "", receivedAt);
      throw err;
    }
    const context = { deviceType: deviceClass(c.req.header("user-agent")) };
    const key = c.get("keyEntry");
    const plan = planBatch(items, validate, {
      maxEventBytes: deps.limits.maxEventBytes,
      receivedAt,
      context,
      allow: (type) => mayPublish(key, type),
      userIds: deps.userIds,
      ...(deps.maxEventAgeMs === undefined ? {} : { maxEventAgeMs: deps.maxEventAgeMs }),
    });
    deps.quarantine?.items(bytes, items, plan.results, c.req.header("content-type") ?? "", receivedAt);
    const extra = deps.messageHeaders?.(c.req.raw);
    const t0 = performance.now();
    const subjectOf = (p: PlannedPublish) => subjects.forType(p.event.type);
    // Deduplication is per source: another source's guess of an id cannot drop this event.
    const msgIdOf = (p: PlannedPublish) => dedupId(key.source, p.event.id);
    const outcomes = deps.pack
      ? await publishPacked(deps.publisher, packBySubject(plan.publish, subjectOf, msgIdOf, extra), plan.publish.length)
      : await deps.publisher.publish(
          plan.publish.map((p) => ({
            subject: subjectOf(p),
            msgId: msgIdOf(p),
            data: plannedData(p),
            ...(extra ? { headers: extra } : {}),
          })),
        );
    const publishMs = performance.now() - t0;
    const failed = outcomes.find((o) => o.status === "failed");
    if (failed && failed.status === "failed") {
      deps.observer?.onResponse?.(503, undefined, publishMs);
      throw publishFailure(failed, deps.retryAfterSeconds);
    }
    plan.publish.forEach((p, i) => {
      const o = outcomes[i];
      const r = plan.results[p.index];
      if (o?.status === "stored" && o.duplicate && r) r.status = "duplicate";
    });
    const body = summarize(plan.results);
    const status = body.accepted + body.duplicates > 0 ? 202 : 400;
    deps.observer?.onResponse?.(status, body, publishMs);
    return c.json(body, status);
  });

  return app;
}
