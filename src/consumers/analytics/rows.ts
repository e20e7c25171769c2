import type { CurrentEvent, VideoEvent } from "../../events/index.ts";
import type { RowContext } from "../definition.ts";
import { PlayRow } from "../play-row.ts";

/**
 * One row of `events`: the analytics consumer's whole view of a play event. A class over the
 * shared columns, every column set in the constructor (../play-row.ts says why).
 */
export class EventRow extends PlayRow {
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

  constructor(e: CurrentEvent & VideoEvent, ctx: RowContext) {
    super(e);
    this.schema_version = ctx.sourceVersion;
    this.duration_ms = e.duration_ms ?? 0;
    this.startup_ms = e.startup_ms ?? 0;
    this.played_ms = e.played_ms ?? 0;
    this.rebuffer_ms = e.stall_ms ?? e.rebuffer_ms ?? 0;
    this.from_ms = e.from_ms ?? 0;
    this.to_ms = e.to_ms ?? 0;
    this.error_code = e.error_code ?? "";
    this.fatal = e.fatal ? 1 : 0;
    this.device_type = e.device?.type ?? "";
    this.device_os = e.device?.os ?? "";
    this.device_player = e.device?.player ?? "";
    this.country = e.country ?? "";
    this.cdn = e.cdn ?? "";
    this.experiment_id = e.experiment?.id ?? "";
    this.experiment_variant = e.experiment?.variant ?? "";
    this.properties = e.properties ? JSON.stringify(e.properties) : "";
    this.trace_id = ctx.traceId;
    this.stream_seq = ctx.streamSeq;
    this.region = ctx.region;
  }
}

/**
 * The `events` row of a play event: `schema_version` is the version the event was sent with, and
 * `rebuffer_ms` holds a v2 heartbeat's `stall_ms` as it holds a v1 heartbeat's `rebuffer_ms`.
 */
export function toEventRow(e: CurrentEvent & VideoEvent, ctx: RowContext): EventRow {
  return new EventRow(e, ctx);
}
