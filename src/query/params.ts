import { ApiError } from "../http/errors.ts";

const DAY = 24 * 3600_000;

function bad(message: string): ApiError {
  return new ApiError(400, "invalid_parameter", message);
}

/** An ISO 8601 time or epoch milliseconds, not before 1970 (times are stored as unsigned milliseconds). */
export function parseTime(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined || raw === "") return undefined;
  if (/^\d{1,15}$/.test(raw)) return Number(raw);
  const t = parseIsoTime(raw);
  if (t !== undefined && t < 0)
    throw bad(
      `${name}: must be 1970-01-01T00:00:00Z or later (times are stored as milliseconds since then), got "${raw}"`,
    );
  if (t !== undefined) return t;
  throw bad(
    `${name}: must be an ISO 8601 time (2026-01-02T03:04:05Z) or epoch milliseconds, got "${raw.slice(0, 64)}"`,
  );
}

function parseIsoTime(raw: string): number | undefined {
  if (/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/.test(raw)) {
    const t = Date.parse(raw);
    const day = raw.slice(0, 10); // Date.parse rolls impossible days over (02-30 -> 03-02)
    if (!Number.isNaN(t) && new Date(`${day}T00:00:00Z`).toISOString().slice(0, 10) === day) return t;
  }
  return undefined;
}

export interface Range {
  from: number;
  to: number;
}

/**
 * `from` (inclusive) and `to` (exclusive), by event timestamp. Defaults: the last 24 hours,
 * with `to` extended by the 24 h of client clock skew the edge accepts.
 */
export function parseRange(q: { from?: string | undefined; to?: string | undefined }, now: number): Range {
  const to = parseTime("to", q.to) ?? now + DAY;
  const from = parseTime("from", q.from) ?? now - DAY;
  if (from >= to)
    throw bad(`from must be before to (from=${new Date(from).toISOString()}, to=${new Date(to).toISOString()})`);
  return { from, to };
}

export function parseLimit(raw: string | undefined, def = 10, max = 100): number {
  if (raw === undefined || raw === "") return def;
  if (!/^\d{1,4}$/.test(raw) || Number(raw) < 1 || Number(raw) > max) {
    throw bad(`limit: must be an integer between 1 and ${max}, got "${raw.slice(0, 32)}"`);
  }
  return Number(raw);
}

export function parseEnum<T extends string>(name: string, raw: string | undefined, allowed: readonly T[], def: T): T {
  if (raw === undefined || raw === "") return def;
  if ((allowed as readonly string[]).includes(raw)) return raw as T;
  throw bad(`${name}: must be one of ${allowed.join(", ")}, got "${raw.slice(0, 32)}"`);
}

export function parseId(name: string, raw: string): string {
  if (raw.length === 0 || raw.length > 128 || /[\u0000-\u001f\u007f]/.test(raw)) {
    throw bad(`${name}: must be 1-128 characters without control characters`);
  }
  return raw;
}
