import { f, type FieldSpec } from "./fields.ts";
import type { EventType } from "./types.ts";

/** One version of one event type. */
export interface EventSchema {
  type: EventType;
  version: number;
  required: Record<string, FieldSpec>;
  optional: Record<string, FieldSpec>;
}

const context: Record<string, FieldSpec> = {
  device: {
    kind: "object",
    required: [],
    fields: { type: f.text(32), os: f.text(64), player: f.text(64) },
  },
  country: f.country,
  cdn: f.text(64),
  experiment: { kind: "object", required: ["id", "variant"], fields: { id: f.text(64), variant: f.text(64) } },
  properties: { kind: "flat", maxKeys: 32, maxKeyLength: 64, maxValueLength: 256 },
};

const common = {
  timestamp: f.timestamp,
  user_id: f.key,
  view_id: f.key,
  video_id: f.key,
  position_ms: f.ms,
} satisfies Record<string, FieldSpec>;

function video(
  type: EventType,
  required: Record<string, FieldSpec> = {},
  optional: Record<string, FieldSpec> = {},
): EventSchema {
  return { type, version: 1, required: { ...common, ...required }, optional: { ...context, ...optional } };
}

const cumulative = { played_ms: f.ms, rebuffer_ms: f.ms };

/** Version 1 of every event type: the contract documented in docs/events.md. */
export const V1_SCHEMAS: readonly EventSchema[] = [
  video("user.video.play_requested", {}, { duration_ms: f.ms }),
  video("user.video.played", { startup_ms: f.ms }),
  video("user.video.heartbeat", cumulative),
  video("user.video.paused"),
  video("user.video.resumed"),
  video("user.video.seeked", { from_ms: f.ms, to_ms: f.ms }),
  video("user.video.failed", { error_code: f.text(64), fatal: f.bool }),
  video("user.video.completed", cumulative),
  video("user.video.ended", cumulative),
  {
    type: "video.encoding.completed",
    version: 1,
    required: {
      timestamp: f.timestamp,
      video_id: f.key,
      title: f.text(256),
      duration_ms: f.ms,
      genres: { kind: "strings", maxItems: 16, maxLength: 64 },
    },
    optional: {},
  },
];

/**
 * Version 2 of the types that changed. Every change here must pass `checkCompatibility`
 * (`playpulse schema check`); docs/events.md, "Schema evolution", has the rules.
 * - `user.video.failed` v2: new optional `played_ms` (watch time before the failure). Backward
 *   compatible: a v1 event is a valid v2 event as it is, so it needs no upcaster.
 * - `user.video.heartbeat` v2: `rebuffer_ms` renamed `stall_ms`. A v1 heartbeat is upcast by
 *   renaming the field (see upcasters.ts); consumers store it in the same `rebuffer_ms` column.
 */
export const V2_SCHEMAS: readonly EventSchema[] = [
  { ...video("user.video.failed", { error_code: f.text(64), fatal: f.bool }, { played_ms: f.ms }), version: 2 },
  { ...video("user.video.heartbeat", { played_ms: f.ms, stall_ms: f.ms }), version: 2 },
];

/** Every version of every event type the edge accepts and consumers read. */
export const SCHEMAS: readonly EventSchema[] = [...V1_SCHEMAS, ...V2_SCHEMAS];

/** Fields every event may carry whatever its type and version. */
export const ENVELOPE_FIELDS = ["id", "type", "schema_version"] as const;

export interface SchemaRegistry {
  get(type: string, version: number): EventSchema | undefined;
  versions(type: string): number[];
  latest(type: string): number | undefined;
  all(): readonly EventSchema[];
}

export function schemaRegistry(schemas: readonly EventSchema[] = SCHEMAS): SchemaRegistry {
  const byKey = new Map<string, EventSchema>();
  const versions = new Map<string, number[]>();
  for (const s of schemas) {
    byKey.set(`${s.type}@${s.version}`, s);
    versions.set(
      s.type,
      [...(versions.get(s.type) ?? []), s.version].sort((a, b) => a - b),
    );
  }
  return {
    get: (type, version) => byKey.get(`${type}@${version}`),
    versions: (type) => versions.get(type) ?? [],
    latest: (type) => versions.get(type)?.at(-1),
    all: () => schemas,
  };
}
