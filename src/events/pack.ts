/**
 * The header of a message that carries several events of one subject, one stored event per line
 * (PLAYPULSE_PACK_EVENTS, src/ingest/pack.ts): its value is the number of events.
 */
export const PACK_HEADER = "Playpulse-Pack";

/** The lines of a packed message's body, each one stored event's bytes. */
export function packedEvents(data: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  let start = 0;
  for (let i = 0; i < data.byteLength; i++) {
    if (data[i] !== 0x0a) continue;
    out.push(data.subarray(start, i));
    start = i + 1;
  }
  out.push(data.subarray(start));
  return out;
}
