import { ApiError } from "../http/errors.ts";
import { ident, type Ident } from "../store/index.ts";
import type { DIMENSION_NAMES } from "./answers.ts";

/** The dimensions a breakdown or a filtered series can group by, and the `events` column of each. */
export const DIMENSIONS = {
  cdn: "cdn",
  country: "country",
  "device.type": "device_type",
  "device.os": "device_os",
  "device.player": "device_player",
  experiment_variant: "experiment_variant",
  /** The region whose edge accepted the event (docs/regions.md). */
  region: "region",
} as const satisfies Record<(typeof DIMENSION_NAMES)[number], string>;

export type Dimension = keyof typeof DIMENSIONS;

export function parseDimension(raw: string | undefined): Dimension {
  const names = Object.keys(DIMENSIONS);
  if (raw !== undefined && names.includes(raw)) return raw as Dimension;
  throw new ApiError(
    400,
    "invalid_parameter",
    raw === undefined || raw === ""
      ? `dimension: required, one of ${names.join(", ")}`
      : `dimension: must be one of ${names.join(", ")}, got "${raw.slice(0, 32)}"`,
  );
}

export const dimensionColumn = (d: Dimension): Ident => ident(DIMENSIONS[d]);

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * `step=5s|1m|15m|1h|1d`: a whole multiple of `unitMs` (5 s for concurrency, 1 min for series),
 * at most `maxPoints` points over the range.
 */
export function parseStep(raw: string | undefined, def: number, unitMs: number, spanMs: number, maxPoints: number) {
  if (raw === undefined || raw === "") return def;
  const m = /^(\d{1,6})([smhd])$/.exec(raw);
  const ms = m ? Number(m[1]) * (UNITS[m[2] ?? "s"] ?? 1000) : Number.NaN;
  if (!(ms > 0) || ms % unitMs !== 0) {
    throw new ApiError(
      400,
      "invalid_parameter",
      `step: must be a duration such as 5s, 1m, 1h or 1d, a multiple of ${unitMs / 1000}s, got "${raw.slice(0, 32)}"`,
    );
  }
  if (Math.ceil(spanMs / ms) > maxPoints) {
    throw new ApiError(
      400,
      "invalid_parameter",
      `step: ${raw} gives more than ${maxPoints} points over the range; use a larger step or a shorter range`,
    );
  }
  return ms;
}
