import { Buffer } from "node:buffer";
import { isVideoEvent, storedEventText, type PlayEvent, type Validation } from "../events/index.ts";
import type { EventResult, IngestResponse } from "./answers.ts";
import type { Item } from "./body.ts";
import { withServerContext, type ServerContext } from "./context.ts";

export type { EventResult, IngestResponse } from "./answers.ts";
export type EventStatus = EventResult["status"];

export interface PlannedPublish {
  index: number;
  event: PlayEvent;
  /**
   * The message body as text, and its size in UTF-8 bytes. It is encoded when published
   * (`plannedData`), or with the other events of its pack in one call (./pack.ts): an encode per
   * event cost the edge about 0.5 µs of CPU per event packed.
   */
  text: string;
  bytes: number;
}

const encoder = new TextEncoder();

/** The message body of a planned event published alone. */
export function plannedData(p: PlannedPublish): Uint8Array {
  return encoder.encode(p.text);
}

export interface Plan {
  results: EventResult[];
  publish: PlannedPublish[];
}

function tooOld(timestamp: string, receivedAt: number, maxAgeMs: number | undefined): string | undefined {
  if (maxAgeMs === undefined || Date.parse(timestamp) >= receivedAt - maxAgeMs) return undefined;
  return `timestamp: more than ${Math.round(maxAgeMs / 86_400_000)} days in the past (PLAYPULSE_MAX_EVENT_AGE_DAYS); events that old are not accepted`;
}

/** The event with its user id in stored form; the same object when there is no mapping or no user id. */
function pseudonymous(event: PlayEvent, userIds: ((userId: string) => string) | undefined): PlayEvent {
  if (!userIds || !isVideoEvent(event)) return event;
  return { ...event, user_id: userIds(event.user_id) };
}

/**
 * Validates and encodes every item of a request. Pure: no I/O. An id seen earlier in the
 * same request is a duplicate without a publish; everything else valid is to be published,
 * with the server's `context` added (see withServerContext).
 */
export function planBatch(
  items: readonly Item[],
  validate: (input: unknown) => Validation,
  opts: {
    maxEventBytes: number;
    receivedAt: number;
    context?: ServerContext;
    /** Whether the sender's key may send this event type: undefined when it may, else the reason. */
    allow?: (type: string) => string | undefined;
    /** Events dated more than this before `receivedAt` are rejected (ClickHouse partitions per insert). */
    maxEventAgeMs?: number;
    /** PLAYPULSE_USER_ID_HASH: the stored form of a user id (src/privacy); ids are kept as sent without it. */
    userIds?: ((userId: string) => string) | undefined;
  },
): Plan {
  const results: EventResult[] = [];
  const publish: PlannedPublish[] = [];
  const seen = new Set<string>();
  items.forEach((item, index) => {
    if ("parseError" in item) {
      results.push({ index, id: null, status: "rejected", error: item.parseError });
      return;
    }
    const v = validate(item.value);
    if (!v.ok) {
      results.push({ index, id: v.id ?? null, status: "rejected", error: v.error });
      return;
    }
    const id = v.event.id;
    const forbidden = opts.allow?.(v.event.type) ?? tooOld(v.event.timestamp, opts.receivedAt, opts.maxEventAgeMs);
    if (forbidden !== undefined) {
      results.push({ index, id, status: "rejected", error: forbidden });
      return;
    }
    if (seen.has(id)) {
      results.push({ index, id, status: "duplicate" });
      return;
    }
    const event = pseudonymous(opts.context ? withServerContext(v.event, opts.context) : v.event, opts.userIds);
    const text = storedEventText(event, opts.receivedAt);
    const bytes = Buffer.byteLength(text, "utf8");
    if (bytes > opts.maxEventBytes) {
      results.push({
        index,
        id,
        status: "rejected",
        error: `event: ${bytes} bytes exceeds the limit of ${opts.maxEventBytes} bytes per event`,
      });
      return;
    }
    seen.add(id);
    results.push({ index, id, status: "accepted" });
    publish.push({ index, event, text, bytes });
  });
  return { results, publish };
}

export function summarize(results: EventResult[]): IngestResponse {
  let accepted = 0;
  let duplicates = 0;
  let rejected = 0;
  for (const r of results) {
    if (r.status === "accepted") accepted++;
    else if (r.status === "duplicate") duplicates++;
    else rejected++;
  }
  return { accepted, duplicates, rejected, results };
}
