/**
 * `user.privacy.erasure_requested`, version 1: the request to erase a user, published by
 * `DELETE /v1/users/:user_id` (docs/erasure.md). It is a bus event only: the edge never accepts it
 * in `POST /v1/events` (it is not in the schema registry), so no player key can erase a user.
 * `id` is the erasure id, also its `Nats-Msg-Id`.
 */
export const ERASURE_REQUESTED = "user.privacy.erasure_requested" as const;
export const ERASURE_REQUESTED_VERSION = 1;

export interface ErasureRequested {
  /** The erasure id (`er_` and 32 hex digits), deterministic per user. */
  id: string;
  type: typeof ERASURE_REQUESTED;
  schema_version: typeof ERASURE_REQUESTED_VERSION;
  user_id: string;
  /** When the request was made (epoch ms). */
  requested_at: number;
  /** Until when events of this user are not stored (epoch ms). */
  suppress_until: number;
}

const ID = /^er_[0-9a-f]{32}$/;
const NO_CONTROL = /^[^\u0000-\u001f\u007f]{1,128}$/;

export function encodeErasureRequested(e: ErasureRequested): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(e));
}

/** Reads a request; a string says what is wrong with it. */
export function decodeErasureRequested(data: Uint8Array): ErasureRequested | string {
  let v: unknown;
  try {
    v = JSON.parse(new TextDecoder().decode(data));
  } catch {
    return `${ERASURE_REQUESTED}: not JSON`;
  }
  if (typeof v !== "object" || v === null) return `${ERASURE_REQUESTED}: not an object`;
  const e = v as Record<string, unknown>;
  if (e.type !== ERASURE_REQUESTED) return `${ERASURE_REQUESTED}: type is ${String(e.type)}`;
  if (e.schema_version !== ERASURE_REQUESTED_VERSION) return `${ERASURE_REQUESTED}: unknown schema_version`;
  if (typeof e.id !== "string" || !ID.test(e.id)) return `${ERASURE_REQUESTED}: id must be er_ and 32 hex digits`;
  if (typeof e.user_id !== "string" || !NO_CONTROL.test(e.user_id))
    return `${ERASURE_REQUESTED}: user_id must be 1-128 characters without control characters`;
  for (const k of ["requested_at", "suppress_until"] as const) {
    if (!Number.isSafeInteger(e[k]) || (e[k] as number) < 0) return `${ERASURE_REQUESTED}: ${k} must be epoch ms`;
  }
  return e as unknown as ErasureRequested;
}

/** Whether a subject (with or without the deployment prefix) carries an erasure request. */
export const isErasureSubject = (subject: string): boolean =>
  subject === ERASURE_REQUESTED || subject.endsWith(`.${ERASURE_REQUESTED}`);
