import type { InboundMessage } from "../../src/bus/index.ts";
import { analytics as analyticsDef } from "../../src/consumers/analytics/index.ts";
import { recommendations } from "../../src/consumers/recommendations/index.ts";
import { createTableConsumer } from "../../src/consumers/table-consumer.ts";
import { createValidator, encodeStoredEvent, subjectNames, type PlayEvent } from "../../src/events/index.ts";
import { packBySubject } from "../../src/ingest/pack.ts";
import type { Store } from "../../src/store/index.ts";
import { TrafficGenerator } from "../../src/load/index.ts";

/** One generated event as each stage of the pipeline sees it. */
export interface Payload {
  id: string;
  subject: string;
  event: PlayEvent;
  /** The JetStream message body, byte for byte what the edge publishes. */
  data: Uint8Array;
  /** Headers besides Nats-Msg-Id (a pack's `Playpulse-Pack`). */
  headers?: Record<string, string>;
}

export interface Payloads {
  messages: Payload[];
  /** The consumers' rows of the same events. */
  eventRows: object[];
  recRows: object[];
  avgMessageBytes: number;
}

const unusedStore = new Proxy({} as Store, {
  get() {
    throw new Error("payloads: the store is not used to prepare rows");
  },
});

/**
 * `n` events of the load generator's traffic model, encoded exactly as the edge encodes them
 * and turned into rows by the real consumers' `prepare`, so the ceilings are measured on the
 * same bytes and rows as the pipeline.
 */
export function makePayloads(n: number, prefix: string, runId = "bench"): Payloads {
  const gen = new TrafficGenerator({ runId, seed: 7, titles: 1000, zipf: 1, viewers: 2000, heartbeatMs: 30_000 });
  const validate = createValidator();
  const subjects = subjectNames(prefix);
  const analytics = createTableConsumer(analyticsDef, { store: unusedStore });
  const recs = createTableConsumer(recommendations, { store: unusedStore });
  const messages: Payload[] = [];
  const eventRows: object[] = [];
  const recRows: object[] = [];
  let bytes = 0;
  const now = Date.now();
  for (let i = 0; i < n; i++) {
    const e = gen.next(now);
    const v = validate(e.body);
    if (!v.ok) throw new Error(`generated event is invalid: ${v.error}`);
    const data = encodeStoredEvent(v.event, now);
    bytes += data.byteLength;
    const subject = subjects.forType(v.event.type);
    messages.push({ id: e.id, subject, event: v.event, data });
    const msg: InboundMessage = { subject, data, header: () => undefined, streamSeq: i + 1, deliveryCount: 1 };
    const a = analytics.prepare(msg);
    const r = recs.prepare(msg);
    if (a.kind !== "ok" || r.kind !== "ok")
      throw new Error(`consumers refused a generated event: ${JSON.stringify([a, r])}`);
    eventRows.push(...a.rows);
    recRows.push(...r.rows);
  }
  return {
    messages,
    eventRows,
    recRows,
    avgMessageBytes: Math.round(bytes / Math.max(1, n)),
  };
}

const utf8 = new TextDecoder();

/**
 * The same events as the edge publishes them with PLAYPULSE_PACK_EVENTS: each run of
 * `perRequest` events (one request's worth) grouped per subject by the edge's own packing rule,
 * a group of one left unpacked. The messages only: the rows stay those of `p`.
 */
export function packedPayloads(p: Payloads, perRequest: number): Payloads {
  const messages: Payload[] = [];
  for (let at = 0; at < p.messages.length; at += perRequest) {
    const request = p.messages
      .slice(at, at + perRequest)
      .map((m, index) => ({ ...m, index, text: utf8.decode(m.data), bytes: m.data.byteLength }));
    const packs = packBySubject(
      request,
      (m) => (request[m.index] as Payload).subject,
      (m) => `bench:${m.event.id}`,
      undefined,
    );
    for (const { message: m, members } of packs) {
      const first = request[members[0] ?? 0] as Payload;
      messages.push({
        id: m.msgId,
        subject: m.subject,
        event: first.event,
        data: m.data,
        ...(m.headers ? { headers: m.headers } : {}),
      });
    }
  }
  const bytes = messages.reduce((sum, m) => sum + m.data.byteLength, 0);
  return { ...p, messages, avgMessageBytes: Math.round(bytes / Math.max(1, messages.length)) };
}
