import { createPublisher, type BusConnection, type Publisher } from "../bus/index.ts";
import { createQuarantineSink } from "../consumers/quarantine/index.ts";
import { createContractRoutes } from "../contracts/index.ts";
import { REGION_HEADER } from "../events/index.ts";
import { createIngestRoutes, mergeHeld } from "../ingest/index.ts";
import { createCloudEventsRoutes } from "../integrations/cloudevents/index.ts";
import { createKvViewStore, createSegmentRoutes, segmentMetrics } from "../integrations/segment/index.ts";
import { createSdkRoutes, loadHlsJs, loadPlayerSdk } from "../sdk/index.ts";
import { userIdMapper } from "../privacy/index.ts";
import { ingestObserver } from "../telemetry/ingest.ts";
import { clientTraceHeaders } from "../telemetry/propagation.ts";
import type { RoleContext, StartedRole } from "./context.ts";

/** The quarantine sink of the edge (PLAYPULSE_QUARANTINE): rejected input goes to the quarantine stream. */
function quarantineOf(ctx: RoleContext, publisher: Publisher) {
  if (!ctx.config.quarantine.enabled) return {};
  const quarantine = createQuarantineSink({
    publish: (messages) => publisher.publish(messages),
    prefix: ctx.subjects.prefix,
    maxPayloadBytes: ctx.config.quarantine.maxPayloadBytes,
    onError: (err, lost) => ctx.logger.warn({ err, lost }, "quarantine records not stored"),
  });
  return { quarantine };
}

/**
 * The headers the edge adds to each message: the region that accepted it (docs/regions.md) and,
 * with tracing off, the client's traceparent (so it still reaches the stored rows).
 */
function messageHeadersOf(region: string, tracing: boolean) {
  const trace = tracing ? undefined : clientTraceHeaders;
  if (region === "") return trace ? { messageHeaders: trace } : {};
  return { messageHeaders: (req: Request) => ({ ...trace?.(req), [REGION_HEADER]: region }) };
}

/**
 * The ingest role: `POST /v1/events` -> JetStream. It needs NATS only (a ClickHouse outage never
 * takes the edge out of service); its stop step finishes the publishes in flight.
 *
 * @example
 * const ingest = startIngest(ctx, bus);
 * routes.push(...ingest.routes);
 */
export function startIngest(ctx: RoleContext, bus: BusConnection): StartedRole {
  const { config, tracer } = ctx;
  const publisher = createPublisher(bus, {
    timeoutMs: config.publish.timeoutMs,
    tracer,
    lingerMs: config.publish.lingerMs,
    // PLAYPULSE_PACK_ACROSS_REQUESTS: the /v1/events route's held publishes travel together per subject.
    merge: config.publish.packAcrossRequests ? mergeHeld : undefined,
    onMerged: ctx.metrics.ingest.onMerged,
  });
  // What every ingest route shares: the publisher, the keys and limits, and the headers the edge
  // adds to each message (the region that accepted it; the client's traceparent with tracing off).
  const shared = {
    publisher,
    keys: config.keys,
    limits: { ...config.limits, bodyTimeoutMs: config.ingest.bodyTimeoutMs },
    subjects: ctx.subjects,
    retryAfterSeconds: config.publish.retryAfterSeconds,
    ...messageHeadersOf(config.stream.region, tracer !== undefined),
    // PLAYPULSE_USER_ID_HASH=hmac: every route stores the HMAC of the user id, never the id (docs/privacy.md).
    userIds: userIdMapper(config),
  };
  const routes = createIngestRoutes({
    ...shared,
    maxEventAgeMs: config.ingest.maxEventAgeMs,
    pack: config.publish.pack,
    observer: ingestObserver(ctx.metrics, tracer !== undefined),
    ...quarantineOf(ctx, publisher),
  });
  // Segment's HTTP Tracking API (docs/integrations/segment.md): view state in a KV bucket beside the stream.
  const segment = createSegmentRoutes({
    ...shared,
    views: createKvViewStore(bus, { bucket: `${config.stream.name}_SEGMENT_VIEWS`, ttlMs: config.stream.maxAgeMs }),
    observer: segmentMetrics(ctx.metrics.registry),
  });
  // CloudEvents 1.0 on POST /v1/events (docs/integrations/cloudevents.md): mounted first, it passes other requests on.
  const cloudEvents = createCloudEventsRoutes(shared);
  // The player SDK and its example pages (docs/player-sdk.md); the edge ingests without them.
  const sdk = createSdkRoutes({
    files: loadPlayerSdk(),
    hlsJs: loadHlsJs(),
    onLoadError: (err) => ctx.logger.warn({ err }, "player SDK not served; run npm run build"),
  });
  // The machine-readable contracts (docs/api.md, "Contracts"): JSON Schemas, OpenAPI, AsyncAPI, /docs.
  const contracts = createContractRoutes({ subjects: ctx.subjects });
  return {
    routes: [cloudEvents, routes, segment, sdk, contracts],
    readiness: { nats: () => Promise.resolve(bus.isConnected()) },
    stop: { publisher },
  };
}
