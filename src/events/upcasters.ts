import type { EventType } from "./types.ts";

/**
 * How an event of `type` at version `from` becomes version `from + 1`. Declarative on purpose:
 * the compatibility check (compat.ts) reads the same declaration to prove that every old event
 * still reaches the latest version, which an arbitrary function would not let it do.
 */
export interface Upcaster {
  type: EventType;
  from: number;
  /** Old field name -> new field name. */
  rename?: Readonly<Record<string, string>>;
  /** Values for fields that are new and required in `from + 1`, used when the old event lacks them. */
  defaults?: Readonly<Record<string, unknown>>;
  /** Optional fields that no longer exist in `from + 1`. */
  drop?: readonly string[];
  /** Why the change was made, for `playpulse schema list`. */
  note: string;
}

/** The upcasters of the registry (schemas.ts). A version step without one must be backward compatible as it is. */
export const UPCASTERS: readonly Upcaster[] = [
  {
    type: "user.video.heartbeat",
    from: 1,
    rename: { rebuffer_ms: "stall_ms" },
    note: "v2 calls the cumulative rebuffering time stall_ms, the name players use",
  },
];

/** Applies one upcaster to a plain event body (a copy is returned; the input is not changed). */
export function applyUpcaster(u: Upcaster, body: Readonly<Record<string, unknown>>): Record<string, unknown> {
  // Built afresh rather than with `delete`, which would turn the object into a slow dictionary.
  const rename = u.rename ?? {};
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(body)) {
    if (u.drop?.includes(k)) continue;
    const to = Object.hasOwn(rename, k) ? rename[k] : undefined;
    out[to ?? k] = body[k];
  }
  for (const [name, value] of Object.entries(u.defaults ?? {})) if (out[name] === undefined) out[name] = value;
  out.schema_version = u.from + 1;
  return out;
}

/** Finds the upcaster of `type` from version `from`, if one is declared. */
export function upcasterFor(upcasters: readonly Upcaster[], type: string, from: number): Upcaster | undefined {
  return upcasters.find((u) => u.type === type && u.from === from);
}

/**
 * Upcasts a body of version `from` to version `to` step by step. A step without an upcaster is
 * the identity (the compatibility check guarantees such steps are backward compatible).
 */
export function upcastBody(
  upcasters: readonly Upcaster[],
  type: string,
  body: Readonly<Record<string, unknown>>,
  from: number,
  to: number,
): Record<string, unknown> {
  let out: Record<string, unknown> = { ...body };
  for (let v = from; v < to; v++) {
    const u = upcasterFor(upcasters, type, v);
    out = u ? applyUpcaster(u, out) : { ...out, schema_version: v + 1 };
  }
  return out;
}
