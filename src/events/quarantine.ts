import { uuidv7 } from "./uuidv7.ts";

/**
 * A rejected-at-the-edge input, kept for inspection when PLAYPULSE_QUARANTINE is on (modelled
 * on Tinybird's `_quarantine` table and Snowplow's bad rows). It travels over NATS, subject
 * `<prefix>quarantine.<kind>`, so the edge never needs ClickHouse; the quarantine consumer (run by
 * the analytics role) writes it to the `quarantine` table.
 */
export interface QuarantineRecord {
  /** UUIDv7 assigned at the edge; the table's dedup key. */
  id: string;
  received_ms: number;
  kind: QuarantineKind;
  /** The rejection reason, as answered to the client. */
  reason: string;
  /** Position of the item in its request; -1 when the whole body was rejected. */
  item_index: number;
  event_id: string;
  event_type: string;
  content_type: string;
  /** The raw item (NDJSON line, JSON of an array element, or the whole body), cut at `max bytes`. */
  payload: string;
  /** Size in bytes of the payload before truncation. */
  payload_bytes: number;
  truncated: boolean;
}

/**
 * - `invalid_json`: an NDJSON line that is not JSON, or a body that is not;
 * - `schema_violation`: parsed, but fails the event schema;
 * - `size_violation`: a valid event over the per-event byte limit, or a body over the batch limits;
 * - `invalid_body`: a whole body rejected for another reason (encoding, media type, shape, empty).
 */
export const QUARANTINE_KINDS = ["invalid_json", "schema_violation", "size_violation", "invalid_body"] as const;
export type QuarantineKind = (typeof QUARANTINE_KINDS)[number];

/** The subject wildcard of the quarantine stream. `prefix` is SubjectNames.prefix ("" or "ns."). */
export function quarantineWildcard(prefix: string): string {
  return `${prefix}quarantine.>`;
}

export function quarantineSubject(prefix: string, kind: QuarantineKind): string {
  return `${prefix}quarantine.${kind}`;
}

export function quarantineStreamName(stream: string): string {
  return `${stream}_QUARANTINE`;
}

/** The structural shapes of the ingest edge's parsed items and per-item results (events/ imports nothing local). */
export type RejectableItem = { value: unknown } | { parseError: string };
export interface ItemResult {
  index: number;
  id: string | null;
  status: string;
  error?: string;
}

/**
 * Where the ingest edge hands rejected input when quarantine is on. Implementations return at
 * once and never throw: quarantine must not slow down or break ingest.
 */
export interface QuarantineSink {
  items(
    body: Uint8Array,
    items: readonly RejectableItem[],
    results: readonly ItemResult[],
    contentType: string,
    receivedAt: number,
  ): void;
  body(body: Uint8Array, code: string, reason: string, contentType: string, receivedAt: number): void;
}

export interface QuarantineContext {
  receivedAt: number;
  contentType: string;
  maxPayloadBytes: number;
  newId?: (now: number) => string;
}

const encoder = new TextEncoder();
const lossy = new TextDecoder("utf-8", { fatal: false });

/** Cuts `text` to at most `max` UTF-8 bytes without splitting a character. */
export function truncateUtf8(text: string, max: number): { text: string; bytes: number; truncated: boolean } {
  const bytes = encoder.encode(text);
  if (bytes.byteLength <= max) return { text, bytes: bytes.byteLength, truncated: false };
  let end = max;
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--;
  return { text: lossy.decode(bytes.subarray(0, end)), bytes: bytes.byteLength, truncated: true };
}

function isNdjson(contentType: string): boolean {
  const mime = contentType.split(";")[0]?.trim().toLowerCase() ?? "";
  return mime === "application/x-ndjson" || mime === "application/ndjson" || mime === "application/jsonl";
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return "[not serializable]";
  }
}

function kindOfItemError(item: RejectableItem | undefined, error: string): QuarantineKind {
  if (item === undefined || "parseError" in item) return "invalid_json";
  return /^event: \d+ bytes exceeds the limit/.test(error) ? "size_violation" : "schema_violation";
}

function field(value: unknown, name: string): string {
  if (typeof value !== "object" || value === null) return "";
  const v = (value as Record<string, unknown>)[name];
  return typeof v === "string" ? v.slice(0, 128) : "";
}

/**
 * One record per rejected item of a request, in item order. The raw payload is the NDJSON line
 * as sent, or the JSON of the parsed item. Never throws: quarantine must not break ingest.
 */
export function itemQuarantineRecords(
  body: Uint8Array,
  items: readonly RejectableItem[],
  results: readonly ItemResult[],
  ctx: QuarantineContext,
): QuarantineRecord[] {
  const rejected = results.filter((r) => r.status === "rejected");
  if (rejected.length === 0) return [];
  const newId = ctx.newId ?? uuidv7;
  const lines = isNdjson(ctx.contentType)
    ? lossy
        .decode(body)
        .split("\n")
        .filter((l) => l.trim() !== "")
    : undefined;
  return rejected.map((r) => {
    const item = items[r.index];
    const raw = lines ? (lines[r.index] ?? "") : item && "value" in item ? safeJson(item.value) : "";
    const cut = truncateUtf8(raw, ctx.maxPayloadBytes);
    const value = item && "value" in item ? item.value : undefined;
    const error = r.error ?? "rejected";
    return {
      id: newId(ctx.receivedAt),
      received_ms: ctx.receivedAt,
      kind: kindOfItemError(item, error),
      reason: error,
      item_index: r.index,
      event_id: r.id ?? field(value, "id"),
      event_type: field(value, "type"),
      content_type: ctx.contentType.slice(0, 128),
      payload: cut.text,
      payload_bytes: cut.bytes,
      truncated: cut.truncated,
    };
  });
}

/** The record of a whole body rejected before it was split into items (`code` is the API error code). */
export function bodyQuarantineRecord(
  body: Uint8Array,
  code: string,
  reason: string,
  ctx: QuarantineContext,
): QuarantineRecord {
  const newId = ctx.newId ?? uuidv7;
  const cut = truncateUtf8(lossy.decode(body.subarray(0, ctx.maxPayloadBytes + 4)), ctx.maxPayloadBytes);
  const kind: QuarantineKind =
    code === "invalid_json" ? "invalid_json" : code === "payload_too_large" ? "size_violation" : "invalid_body";
  return {
    id: newId(ctx.receivedAt),
    received_ms: ctx.receivedAt,
    kind,
    reason: `${code}: ${reason}`,
    item_index: -1,
    event_id: "",
    event_type: "",
    content_type: ctx.contentType.slice(0, 128),
    payload: cut.text,
    payload_bytes: body.byteLength,
    truncated: body.byteLength > encoder.encode(cut.text).byteLength,
  };
}

export function encodeQuarantineRecord(r: QuarantineRecord): Uint8Array {
  return encoder.encode(JSON.stringify(r));
}

/** Reads a record back, checking every field; an error names the first bad one. */
export function decodeQuarantineRecord(
  data: Uint8Array,
): { ok: true; record: QuarantineRecord } | { ok: false; error: string } {
  let v: unknown;
  try {
    v = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(data));
  } catch (err: unknown) {
    return { ok: false, error: `body is not valid UTF-8 JSON: ${err instanceof Error ? err.message : String(err)}` };
  }
  if (typeof v !== "object" || v === null || Array.isArray(v)) return { ok: false, error: "body is not a JSON object" };
  const o = v as Record<string, unknown>;
  const strings = ["id", "reason", "event_id", "event_type", "content_type", "payload"] as const;
  for (const k of strings) if (typeof o[k] !== "string") return { ok: false, error: `${k}: must be a string` };
  for (const k of ["received_ms", "payload_bytes"] as const) {
    if (typeof o[k] !== "number" || !Number.isSafeInteger(o[k]) || o[k] < 0)
      return { ok: false, error: `${k}: must be a non-negative integer` };
  }
  if (typeof o.item_index !== "number" || !Number.isSafeInteger(o.item_index) || o.item_index < -1)
    return { ok: false, error: "item_index: must be an integer ≥ -1" };
  if (typeof o.truncated !== "boolean") return { ok: false, error: "truncated: must be a boolean" };
  if (!(QUARANTINE_KINDS as readonly unknown[]).includes(o.kind))
    return { ok: false, error: `kind: must be one of ${QUARANTINE_KINDS.join(", ")}` };
  return { ok: true, record: o as unknown as QuarantineRecord };
}
