import { PACK_HEADER, PACK_TRACES_HEADER, packedEvents, packTraces } from "../events/index.ts";
import { erasureIdOf, userHashOf } from "./ids.ts";

/** A packed message (PLAYPULSE_PACK_EVENTS) with the erased users' events taken out. */
export interface PackWithout {
  /** The other users' events, one per line, in their order; empty when every line was the users'. */
  kept: Uint8Array[];
  /** The index in the original pack of each kept line, and how many lines it had. */
  keptAt: number[];
  lines: number;
  /** The erased users the message named (sorted): none means the message holds nothing of theirs. */
  removed: string[];
}

const utf8 = new TextDecoder("utf-8");

/**
 * The user of one stored event among `users`: its `user_id` (in stored form, as in `events`). A
 * line that is not a JSON object is the user's when it holds their id as a JSON string, the rule
 * of the quarantine delete (./clickhouse.ts): what cannot be read is not kept for someone else.
 */
function userOfLine(line: Uint8Array, users: ReadonlySet<string>): string | undefined {
  const text = utf8.decode(line);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)) {
    const u = (parsed as { user_id?: unknown }).user_id;
    return typeof u === "string" && users.has(u) ? u : undefined;
  }
  return [...users].find((u) => text.includes(JSON.stringify(u)));
}

/**
 * Splits a packed message's body into the lines of other users, kept, and the erased users it named.
 *
 * @example
 * packWithout(body, new Set(["u1"])); // { kept: [<u2's event>], keptAt: [1], lines: 2, removed: ["u1"] }
 */
export function packWithout(data: Uint8Array, users: ReadonlySet<string>): PackWithout {
  const kept: Uint8Array[] = [];
  const keptAt: number[] = [];
  const removed = new Set<string>();
  const lines = packedEvents(data);
  lines.forEach((line, i) => {
    const u = userOfLine(line, users);
    if (u === undefined) {
      kept.push(line);
      keptAt.push(i);
    } else removed.add(u);
  });
  return { kept, keptAt, lines: lines.length, removed: [...removed].sort() };
}

/**
 * The `Nats-Msg-Id` of the message that replaces packed message `seq` without `removed`:
 * deterministic, so a retried erasure publishes it once within the stream's duplicate window.
 * One user: their erasure id (`erasure:er_…:<seq>`); several (late events of several erased users
 * in one pack): a digest of theirs.
 */
export function rewriteMsgId(removed: readonly string[], seq: number): string {
  const ids = [...new Set(removed)].map(erasureIdOf).sort();
  const who = ids.length === 1 ? ids[0] : `several_${userHashOf(ids.join(",")).slice(0, 32)}`;
  return `erasure:${who ?? "none"}:${seq}`;
}

/**
 * The headers of the rewritten message: the original's (trace context, region, ...) with the pack
 * count corrected; JetStream's own `Nats-*` headers (the original `Nats-Msg-Id`) are left out. A
 * pack merged across requests keeps the traces of the lines kept (`keptAt`, indexes in the
 * original of `lines` lines), and the first kept line's as its `traceparent`.
 */
export function rewriteHeaders(
  original: Iterable<[string, string[]]>,
  keptAt: readonly number[],
  lines: number,
): [string, string][] {
  const entries = [...original];
  const own = (k: string) => [PACK_HEADER, PACK_TRACES_HEADER].some((h) => h.toLowerCase() === k.toLowerCase());
  const listed = entries.find(([k]) => k.toLowerCase() === PACK_TRACES_HEADER.toLowerCase())?.[1][0];
  const all = packTraces(listed, lines);
  const traces = all && keptAt.map((i) => all[i] ?? "-");
  const out: [string, string][] = [];
  for (const [k, values] of entries) {
    if (/^nats-/i.test(k) || own(k) || (traces && k.toLowerCase() === "traceparent")) continue;
    for (const v of values) out.push([k, v]);
  }
  const [first] = traces ?? [];
  if (first !== undefined && first !== "-") out.push(["traceparent", first]);
  out.push([PACK_HEADER, String(keptAt.length)]);
  if (traces) out.push([PACK_TRACES_HEADER, traces.join(",")]);
  return out;
}
