import type { StoredEvent, VideoEvent } from "../../events/index.ts";
import { playRow, type PlayRowBase } from "../play-row.ts";

/** One row of `events`: the analytics consumer's whole view of a play event. */
export interface EventRow extends PlayRowBase {
  schema_version: number;
  duration_ms: number;
  startup_ms: number;
  played_ms: number;
  rebuffer_ms: number;
  from_ms: number;
  to_ms: number;
  error_code: string;
  fatal: number;
  device_type: string;
  device_os: string;
  device_player: string;
  country: string;
  cdn: string;
  experiment_id: string;
  experiment_variant: string;
  properties: string;
  trace_id: string;
  stream_seq: number;
  /** The region whose edge accepted the event (docs/regions.md); "" without regions. */
  region: string;
}

export function toEventRow(e: StoredEvent & VideoEvent, traceId: string, streamSeq: number, region = ""): EventRow {
  return playRow(e, {
    schema_version: e.schema_version,
    duration_ms: e.duration_ms ?? 0,
    startup_ms: e.startup_ms ?? 0,
    played_ms: e.played_ms ?? 0,
    rebuffer_ms: e.rebuffer_ms ?? 0,
    from_ms: e.from_ms ?? 0,
    to_ms: e.to_ms ?? 0,
    error_code: e.error_code ?? "",
    fatal: e.fatal ? 1 : 0,
    device_type: e.device?.type ?? "",
    device_os: e.device?.os ?? "",
    device_player: e.device?.player ?? "",
    country: e.country ?? "",
    cdn: e.cdn ?? "",
    experiment_id: e.experiment?.id ?? "",
    experiment_variant: e.experiment?.variant ?? "",
    properties: e.properties ? JSON.stringify(e.properties) : "",
    trace_id: traceId,
    stream_seq: streamSeq,
    region,
  });
}
