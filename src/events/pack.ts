/**
 * The header of a message that carries several events of one subject, one stored event per line
 * (PLAYPULSE_PACK_EVENTS, src/ingest/pack.ts): its value is the number of events.
 */
export const PACK_HEADER = "Playpulse-Pack";

/**
 * The header of a pack merged from several requests' messages (src/ingest/pack.ts `mergeHeld`):
 * the `traceparent` of each line's request, in line order, comma-separated, "-" for a line sent
 * without one. The message's own `traceparent` is its first line's. Consumers take each row's
 * `trace_id` from it, and link the message's span to every request's.
 */
export const PACK_TRACES_HEADER = "Playpulse-Pack-Traces";

/** Each line's traceparent from a PACK_TRACES_HEADER value, when it names one per line; else undefined. */
export function packTraces(value: string | undefined, lines: number): string[] | undefined {
  if (value === undefined || value === "") return undefined;
  const each = value.split(",");
  return each.length === lines ? each : undefined;
}

const NEWLINE = 0x0a;

/** The lines of a packed message's body, each one stored event's bytes. */
export function packedEvents(data: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  let start = 0;
  // The native search: a loop over the bytes in JavaScript was 8 % of a consumer's profile packed.
  for (let i = data.indexOf(NEWLINE); i !== -1; i = data.indexOf(NEWLINE, start)) {
    out.push(data.subarray(start, i));
    start = i + 1;
  }
  out.push(data.subarray(start));
  return out;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * The lines of a packed message's body as text, decoded in one call (a decode per line cost the
 * consumers about 0.3 µs of CPU per event); undefined when the body is not UTF-8, which
 * `packedEvents` then reads line by line, so that the line at fault is the one reported.
 */
export function packedTexts(data: Uint8Array): string[] | undefined {
  try {
    return utf8.decode(data).split("\n");
  } catch {
    return undefined;
  }
}

/**
 * A packed message's body from stored events, one per line (JSON.stringify never writes a raw
 * newline): the inverse of `packedEvents`.
 */
export function packLines(parts: readonly Uint8Array[]): Uint8Array {
  let size = Math.max(0, parts.length - 1);
  for (const p of parts) size += p.byteLength;
  const out = new Uint8Array(size);
  let at = 0;
  parts.forEach((p, i) => {
    if (i > 0) out[at++] = NEWLINE;
    out.set(p, at);
    at += p.byteLength;
  });
  return out;
}
