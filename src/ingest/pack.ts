import { createHash } from "node:crypto";
import type { MergeHeld, OutboundMessage, PublishOutcome } from "../bus/index.ts";
import { PACK_HEADER, PACK_TRACES_HEADER, packLines, packTraces } from "../events/index.ts";
import { plannedData, type PlannedPublish } from "./plan.ts";

/** One message to publish and the planned events it carries (their indexes in the plan's publish list). */
export interface Packed {
  message: OutboundMessage;
  members: number[];
}

/**
 * The most bytes of stored events one pack carries (256 KiB): well under nats-server's
 * `max_payload` (1 MB by default and in deploy/ and k8s/), which a request's events of one type
 * can pass (1,000 events of up to 32 KiB each). A larger group is split into several packs.
 */
export const PACK_MAX_BYTES = 256 * 1024;

/** The indexes of `items` by `keyOf`, the keys in the order first seen. */
function groupIndexes<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, number[]> {
  const groups = new Map<string, number[]>();
  items.forEach((item, i) => {
    const key = keyOf(item);
    const g = groups.get(key);
    if (g) g.push(i);
    else groups.set(key, [i]);
  });
  return groups;
}

/** The members of one group cut into runs of at most `maxBytes` of data (one member per run at least). */
function chunks(sizeOf: (i: number) => number, members: readonly number[], maxBytes: number): number[][] {
  const out: number[][] = [];
  let run: number[] = [];
  let bytes = 0;
  for (const i of members) {
    const size = sizeOf(i) + 1;
    if (run.length > 0 && bytes + size > maxBytes) {
      out.push(run);
      run = [];
      bytes = 0;
    }
    run.push(i);
    bytes += size;
  }
  if (run.length > 0) out.push(run);
  return out;
}

const encoder = new TextEncoder();

/** One message for `members` (indexes into `planned`): the event itself when alone, else a pack. */
function messageOf(
  subject: string,
  events: readonly PlannedPublish[],
  msgIdOf: (p: PlannedPublish) => string,
  headers: Record<string, string> | undefined,
): OutboundMessage {
  const [first] = events;
  if (events.length === 1 && first)
    return { subject, msgId: msgIdOf(first), data: plannedData(first), ...(headers ? { headers } : {}) };
  // Each id followed by a line break, hashed in one call; the body encoded in one call.
  const ids = events.map((p) => `${msgIdOf(p)}\n`).join("");
  return {
    subject,
    msgId: `pack:${createHash("sha256").update(ids).digest("base64url")}`,
    data: encoder.encode(events.map((p) => p.text).join("\n")),
    headers: { ...headers, [PACK_HEADER]: String(events.length) },
  };
}

/**
 * PLAYPULSE_PACK_EVENTS: a request's events for one subject travel as one message (or several,
 * each at most PACK_MAX_BYTES), the stored events one per line with `Playpulse-Pack: <count>`. Its
 * `Nats-Msg-Id` is a digest of the source and every event id in it, so a resend of the same
 * request is a duplicate, while the same event in another request is stored again (the store
 * counts it once: docs/benchmarks.md). An event alone in its message is sent as before, unpacked,
 * with its own id.
 */
export function packBySubject(
  planned: readonly PlannedPublish[],
  subjectOf: (p: PlannedPublish) => string,
  msgIdOf: (p: PlannedPublish) => string,
  headers: Record<string, string> | undefined,
  maxBytes = PACK_MAX_BYTES,
): Packed[] {
  const out: Packed[] = [];
  for (const [subject, members] of groupIndexes(planned, subjectOf)) {
    for (const run of chunks((i) => planned[i]?.bytes ?? 0, members, maxBytes)) {
      const events = run.map((i) => planned[i] as PlannedPublish);
      out.push({ message: messageOf(subject, events, msgIdOf, headers), members: run });
    }
  }
  return out;
}

/** The headers that may differ between messages of one merged pack: trace context, and the pack's own. */
const OWN_HEADERS = new Set(["traceparent", "tracestate", PACK_HEADER, PACK_TRACES_HEADER]);

/** Messages may share a pack when their subject and every other header are equal (the region, ...). */
function mergeKey(m: OutboundMessage): string {
  let key = m.subject;
  const h = m.headers ?? {};
  for (const k of Object.keys(h).sort()) if (!OWN_HEADERS.has(k)) key += `\n${k}:${h[k]}`;
  return key;
}

const countOf = (m: OutboundMessage): number => Number(m.headers?.[PACK_HEADER] ?? 1) || 1;

/** Each line's traceparent in a held message, "-" for none: the pack's own list, else its traceparent per line. */
function lineTraces(m: OutboundMessage): string[] {
  const n = countOf(m);
  return packTraces(m.headers?.[PACK_TRACES_HEADER], n) ?? new Array<string>(n).fill(m.headers?.["traceparent"] ?? "-");
}

/** One pack of held messages (`members`, two at least): their lines in order, each line's trace listed. */
function mergedMessage(members: readonly OutboundMessage[]): OutboundMessage {
  const [first] = members as [OutboundMessage, ...OutboundMessage[]];
  const traces = members.flatMap(lineTraces);
  const headers: Record<string, string> = { ...first.headers, [PACK_HEADER]: String(traces.length) };
  delete headers[PACK_TRACES_HEADER];
  if (traces.some((t) => t !== "-")) headers[PACK_TRACES_HEADER] = traces.join(",");
  const ids = members.map((m) => `${m.msgId}\n`).join("");
  return {
    subject: first.subject,
    msgId: `pack:${createHash("sha256").update(ids).digest("base64url")}`,
    data: packLines(members.map((m) => m.data)),
    headers,
  };
}

/**
 * PLAYPULSE_PACK_ACROSS_REQUESTS: the publisher's `merge` (src/bus/publisher.ts). The small
 * calls it held while other publishes were in flight (single-event requests, mostly) travel as one
 * message per subject and equal other headers, at most `maxBytes` of events each: their lines in
 * the order held, `Playpulse-Pack` their count, `Playpulse-Pack-Traces` each line's request's
 * `traceparent`, and an id that is a digest of theirs. A message alone in its group goes as it is.
 * What a client gives up (the `duplicate` answer for a resent event): docs/benchmarks.md.
 */
export const mergeHeld: MergeHeld = (held) => mergeHeldWithin(held, PACK_MAX_BYTES);

/** `mergeHeld` with packs of at most `maxBytes` of events (for tests). */
export function mergeHeldWithin(held: readonly OutboundMessage[], maxBytes: number): Packed[] {
  const out: Packed[] = [];
  for (const members of groupIndexes(held, mergeKey).values()) {
    for (const run of chunks((i) => held[i]?.data.byteLength ?? 0, members, maxBytes)) {
      const messages = run.map((i) => held[i] as OutboundMessage);
      const [only] = messages;
      out.push({ message: messages.length === 1 && only ? only : mergedMessage(messages), members: run });
    }
  }
  return out;
}

/** Each planned event's outcome: that of the message that carried it. */
export function unpackOutcomes(
  packed: readonly Packed[],
  outcomes: readonly PublishOutcome[],
  count: number,
): PublishOutcome[] {
  const each = new Array<PublishOutcome>(count);
  packed.forEach((p, k) => {
    const o = outcomes[k];
    if (o) for (const i of p.members) each[i] = o;
  });
  return each;
}
