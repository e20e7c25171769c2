import { checkCompatibility } from "./compat.ts";
import { schemaRegistry, type SchemaRegistry } from "./schemas.ts";
import type { PlayEvent, StoredEvent } from "./types.ts";
import { upcastBody, UPCASTERS, type Upcaster } from "./upcasters.ts";
import { createValidator } from "./validate.ts";

/**
 * An event as consumers see it: upcast to the latest version of its type. Fields renamed by an
 * upcaster appear under their new name (a heartbeat carries `stall_ms`, not `rebuffer_ms`).
 */
export type CurrentEvent = StoredEvent & { stall_ms?: number };

/**
 * Why a message could not be read. Consumers map each kind to an outcome (src/dlq/policy.ts):
 * - `undecodable`: not UTF-8 JSON, not an object, or no edge envelope (`received_at`);
 * - `invalid`: fails the schema of its own version, or cannot be stored (a timestamp after 2106);
 * - `unknown_version`: newer than this process knows (a newer edge during a rolling deploy);
 * - `unupcastable`: an old version this process no longer supports, or an upcast that fails.
 */
export type ReadFailureKind = "undecodable" | "invalid" | "unknown_version" | "unupcastable";

export type ReadResult =
  { ok: true; event: CurrentEvent; sourceVersion: number } | { ok: false; kind: ReadFailureKind; error: string };

export interface EventReaderOptions {
  registry?: SchemaRegistry;
  upcasters?: readonly Upcaster[];
}

/**
 * The last millisecond of ClickHouse DateTime's range (seconds since the epoch in a UInt32).
 * The validator already refuses times before 1970, and the edge times too far in the future;
 * a consumer has no future limit (it reads old messages), and ClickHouse stores a later time
 * wrapped around without an error (2106-02-07T06:28:16Z as 0000-00-00 00:00:00), so it is
 * checked here.
 */
const MAX_TS_MS = 4_294_967_295_999;

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** The edge's envelope field: when the edge received the event, in epoch milliseconds. */
const RECEIVED_AT = "received_at";

/** The validator's event with the envelope put back: the validator built it for this read alone, so it is not copied. */
function withReceivedAt(event: PlayEvent, receivedAt: number): CurrentEvent {
  const current = event as CurrentEvent;
  current.received_at = receivedAt;
  return current;
}

function typeName(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  return typeof v === "object" ? "an object" : `a ${typeof v}`;
}

const fail = (kind: ReadFailureKind, error: string): ReadResult & { ok: false } => ({ ok: false, kind, error });
const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * Step 1: UTF-8 JSON, an object, with the edge's envelope (`received_at`) and an id. The body
 * keeps `received_at` (the validator skips it), so the message is not copied without it.
 */
function decodeEnvelope(
  data: Uint8Array | string,
): { ok: true; receivedAt: number; body: Record<string, unknown> } | (ReadResult & { ok: false }) {
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof data === "string" ? data : utf8.decode(data));
  } catch (err: unknown) {
    return fail("undecodable", `body is not valid UTF-8 JSON: ${messageOf(err)}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    return fail("undecodable", `body is not a JSON object, got ${typeName(parsed)}`);
  const body = parsed as Record<string, unknown>;
  const receivedAt = body.received_at;
  if (typeof receivedAt !== "number" || !Number.isSafeInteger(receivedAt) || receivedAt < 0) {
    return fail("undecodable", "received_at: must be epoch milliseconds (the edge's envelope is missing)");
  }
  if (typeof body.id !== "string") return fail("invalid", "id: required field is missing");
  return { ok: true, receivedAt, body };
}

/** Step 2: a version this process knows, before validating against that version's schema. */
function versionProblem(registry: SchemaRegistry, body: Record<string, unknown>): ReadResult | undefined {
  const type = body.type;
  const version = body.schema_version ?? 1;
  if (typeof type !== "string" || typeof version !== "number" || !Number.isInteger(version)) return undefined;
  const versions = registry.versions(type);
  const latest = versions.at(-1);
  if (latest !== undefined && version > latest) {
    return fail(
      "unknown_version",
      `schema_version: ${type} v${version} is newer than this consumer knows (latest v${latest}); deploy a consumer that knows it, then redrive`,
    );
  }
  if (latest !== undefined && !versions.includes(version)) {
    return fail(
      "unupcastable",
      `schema_version: ${type} v${version} is not supported (versions ${versions.join(", ")}) and cannot be upcast`,
    );
  }
  return undefined;
}

/**
 * Step 3: a timestamp ClickHouse can store. The validator let only `YYYY-MM-DDThh:mm:ss…` through,
 * and an offset moves a time by less than five days, so a year before 2106 needs no parse.
 */
function storableProblem(event: PlayEvent): ReadResult | undefined {
  if (event.timestamp < "2106" || Date.parse(event.timestamp) <= MAX_TS_MS) return undefined;
  return fail(
    "invalid",
    `timestamp: ${event.timestamp} is outside the storable range 1970-01-01T00:00:00Z to 2106-02-07T06:28:15Z`,
  );
}

/**
 * Builds the consumers' reader: decodes a JetStream message body (its bytes, or its text when the
 * caller decoded it already: a pack's lines, `packedTexts`), validates it against the schema
 * of the version it was sent with, upcasts it to the latest version and validates the result.
 * The stream keeps every event as it was sent; upcasting happens on read, so a replay applies the
 * current upcasters to old events too.
 *
 * @example
 * const read = createEventReader();
 * const r = read(msg.data);
 * if (!r.ok) return r.kind === "unknown_version" ? retry(...) : deadLetter(r.error);
 */
export function createEventReader(opts: EventReaderOptions = {}): (data: Uint8Array | string) => ReadResult {
  const registry = opts.registry ?? schemaRegistry();
  const upcasters = opts.upcasters ?? UPCASTERS;
  const validate = createValidator({
    registry,
    maxFutureMs: Number.POSITIVE_INFINITY,
    skipKeys: [RECEIVED_AT],
    inPlace: true,
  });
  // Types whose every upcast step passes the compatibility check: a valid event of any version
  // upcasts to a valid latest event, so the result is not validated a second time (that second
  // pass was a third of a heartbeat's read cost). Other types are validated after upcasting.
  const unproven = new Set(checkCompatibility(registry.all(), upcasters).map((p) => p.type));

  /** Step 4: the latest version of the event, validated again unless its upcasts are proven. */
  function toLatest(event: PlayEvent, received_at: number, latest: number): ReadResult {
    const failed = (why: string) =>
      fail("unupcastable", `upcast ${event.type} v${event.schema_version} -> v${latest} failed: ${why}`);
    let upcast: Record<string, unknown>;
    try {
      upcast = upcastBody(
        upcasters,
        event.type,
        event as unknown as Record<string, unknown>,
        event.schema_version,
        latest,
      );
    } catch (err: unknown) {
      return failed(messageOf(err));
    }
    if (!unproven.has(event.type)) {
      upcast.received_at = received_at;
      return { ok: true, event: upcast as unknown as CurrentEvent, sourceVersion: event.schema_version };
    }
    const current = validate(upcast);
    if (!current.ok) return failed(current.error);
    return { ok: true, event: withReceivedAt(current.event, received_at), sourceVersion: event.schema_version };
  }

  return function read(data: Uint8Array | string): ReadResult {
    const envelope = decodeEnvelope(data);
    if (!envelope.ok) return envelope;
    const { receivedAt, body } = envelope;
    const unsupported = versionProblem(registry, body);
    if (unsupported) return unsupported;
    const source = validate(body);
    if (!source.ok) return fail("invalid", source.error);
    const event = source.event;
    const unstorable = storableProblem(event);
    if (unstorable) return unstorable;
    const latest = registry.latest(event.type) ?? event.schema_version;
    if (latest === event.schema_version)
      return { ok: true, event: withReceivedAt(event, receivedAt), sourceVersion: event.schema_version };
    return toLatest(event, receivedAt, latest);
  };
}
