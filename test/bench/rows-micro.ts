/**
 * The consumers' per-message CPU without I/O, and the row-building lever of 2026-12-06 side by
 * side: `prepare` of the analytics and recommendations consumers (read, validate, upcast, rows)
 * over the same generated events, and an `events` row built three ways: as `toEventRow` built it
 * before (`{ ...playRowBase(e), …20 columns }`), as the first fix did (Object.assign of the 20
 * columns onto the base object), and as it does now (a class per table, ../../src/consumers/play-row.ts).
 * The three forms must serialise to the same JSON (the body ClickHouse gets), or the run stops.
 * Packed (PLAYPULSE_PACK_EVENTS, the events packed as the edge packs 100-event requests): each
 * consumer's `prepare` per event, and the split of a pack into its lines as `packedEvents` did it
 * up to 2026-12-07 (a byte loop) and does now (`indexOf`), which must give the same lines.
 *
 *   npx tsx --tsconfig test/bench/tsconfig.json test/bench/rows-micro.ts [events]
 *
 * Prints µs of CPU per event for each, the median of 5 passes after 2 warm-up passes.
 */
import { isDeepStrictEqual } from "node:util";
import type { InboundMessage } from "../../src/bus/index.ts";
import { analytics, toEventRow, type EventRow } from "../../src/consumers/analytics/index.ts";
import type { PlayRow } from "../../src/consumers/play-row.ts";
import { recommendations } from "../../src/consumers/recommendations/index.ts";
import { createTableConsumer } from "../../src/consumers/table-consumer.ts";
import {
  createEventReader,
  PACK_HEADER,
  packedEvents,
  type StoredEvent,
  type VideoEvent,
} from "../../src/events/index.ts";
import type { Store } from "../../src/store/index.ts";
import { makePayloads, packedPayloads, type Payload } from "./payloads.ts";

type Event = StoredEvent & VideoEvent;

/** The shared columns as a plain object, as `playRowBase` built them up to 2026-12-06. */
function playRowBase(e: Event): PlayRow {
  const tsMs = Date.parse(e.timestamp);
  return {
    id: e.id,
    type: e.type,
    ts: Math.floor(tsMs / 1000),
    ts_ms: tsMs,
    received_ms: e.received_at,
    stored_ms: 0,
    user_id: e.user_id,
    view_id: e.view_id,
    video_id: e.video_id,
    position_ms: e.position_ms,
  };
}

/** The columns of `events` beyond the shared ones. */
function eventColumns(e: Event, traceId: string, streamSeq: number, region: string) {
  return {
    schema_version: e.schema_version,
    duration_ms: e.duration_ms ?? 0,
    startup_ms: e.startup_ms ?? 0,
    played_ms: e.played_ms ?? 0,
    rebuffer_ms: e.rebuffer_ms ?? 0,
    from_ms: e.from_ms ?? 0,
    to_ms: e.to_ms ?? 0,
    error_code: e.error_code ?? "",
    fatal: e.fatal ? 1 : 0,
    device_type: e.device?.type ?? "",
    device_os: e.device?.os ?? "",
    device_player: e.device?.player ?? "",
    country: e.country ?? "",
    cdn: e.cdn ?? "",
    experiment_id: e.experiment?.id ?? "",
    experiment_variant: e.experiment?.variant ?? "",
    properties: e.properties ? JSON.stringify(e.properties) : "",
    trace_id: traceId,
    stream_seq: streamSeq,
    region,
  };
}

/** The first fix (2026-12-06 12:40): Object.assign of the columns onto the base object. */
function assignEventRow(e: Event, traceId: string, streamSeq: number, region = ""): EventRow {
  return Object.assign(playRowBase(e), eventColumns(e, traceId, streamSeq, region));
}

/** `toEventRow` as it was up to 2026-12-06: the shared columns spread into the literal. */
function spreadEventRow(e: Event, traceId: string, streamSeq: number, region = ""): EventRow {
  return {
    ...playRowBase(e),
    schema_version: e.schema_version,
    duration_ms: e.duration_ms ?? 0,
    startup_ms: e.startup_ms ?? 0,
    played_ms: e.played_ms ?? 0,
    rebuffer_ms: e.rebuffer_ms ?? 0,
    from_ms: e.from_ms ?? 0,
    to_ms: e.to_ms ?? 0,
    error_code: e.error_code ?? "",
    fatal: e.fatal ? 1 : 0,
    device_type: e.device?.type ?? "",
    device_os: e.device?.os ?? "",
    device_player: e.device?.player ?? "",
    country: e.country ?? "",
    cdn: e.cdn ?? "",
    experiment_id: e.experiment?.id ?? "",
    experiment_variant: e.experiment?.variant ?? "",
    properties: e.properties ? JSON.stringify(e.properties) : "",
    trace_id: traceId,
    stream_seq: streamSeq,
    region,
  };
}

/** `packedEvents` up to 2026-12-07: a loop over the bytes in JavaScript. */
function byteLoopLines(data: Uint8Array): Uint8Array[] {
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

const inboundOf = (messages: readonly Payload[]): InboundMessage[] =>
  messages.map((m, i) => ({
    subject: m.subject,
    data: m.data,
    header: (name: string) => m.headers?.[name],
    streamSeq: i + 1,
    deliveryCount: 1,
  }));

/** Median µs per item over 5 passes, after 2 warm-up passes. */
function usPerItem(n: number, pass: () => void): number {
  const times: number[] = [];
  for (let i = 0; i < 7; i++) {
    const t0 = performance.now();
    pass();
    if (i >= 2) times.push(((performance.now() - t0) * 1000) / n);
  }
  return times.sort((a, b) => a - b)[2] ?? Number.NaN;
}

function main(): void {
  const n = Number(process.argv[2] ?? 20_000);
  if (!Number.isInteger(n) || n < 1) throw new Error("usage: rows-micro.ts [events, a positive integer]");
  const noStore = {} as Store; // prepare never touches the store
  const payloads = makePayloads(n, "micro");
  const { messages } = payloads;
  const inbound = inboundOf(messages);
  const packed = inboundOf(packedPayloads(payloads, 100).messages);
  const packs = packed.filter((m) => m.header(PACK_HEADER) !== undefined).map((m) => m.data);
  let inPacks = 0; // the events the packs carry: the splits' figures are per event
  for (const d of packs) {
    if (!isDeepStrictEqual(byteLoopLines(d), packedEvents(d))) throw new Error("the two splits differ");
    inPacks += packedEvents(d).length;
  }
  const read = createEventReader();
  const events = messages.map((m) => {
    const r = read(m.data);
    if (!r.ok) throw new Error(`generated event unreadable: ${r.error}`);
    return r.event as Event;
  });
  const ctx = (e: Event) => ({ sourceVersion: e.schema_version, traceId: "t", streamSeq: 1, region: "r" });
  for (const e of events.slice(0, 1000)) {
    const [a, b, c] = [spreadEventRow(e, "t", 1, "r"), assignEventRow(e, "t", 1, "r"), toEventRow(e, ctx(e))];
    if (!isDeepStrictEqual(a, b) || JSON.stringify(a) !== JSON.stringify(c)) throw new Error("the row forms differ");
  }
  let sink: unknown;
  const consumers = [analytics, recommendations].map((d) => createTableConsumer(d, { store: noStore }));
  const figures: [string, number][] = [
    ["read (decode, validate, upcast)", usPerItem(n, () => inbound.forEach((m) => (sink = read(m.data))))],
    ["events row, spread form (before)", usPerItem(n, () => events.forEach((e) => (sink = spreadEventRow(e, "", 1))))],
    ["events row, Object.assign (12:40)", usPerItem(n, () => events.forEach((e) => (sink = assignEventRow(e, "", 1))))],
    ["events row, class (now)", usPerItem(n, () => events.forEach((e) => (sink = toEventRow(e, ctx(e)))))],
    ...consumers.map((c): [string, number] => [
      `${c.name} prepare, whole (now)`,
      usPerItem(n, () => inbound.forEach((m) => (sink = c.prepare(m)))),
    ]),
    ...consumers.map((c): [string, number] => [
      `${c.name} prepare, packed (now)`,
      usPerItem(n, () => packed.forEach((m) => (sink = c.prepare(m)))),
    ]),
    ["split packs, byte loop (before)", usPerItem(inPacks, () => packs.forEach((d) => (sink = byteLoopLines(d))))],
    ["split packs, indexOf (now)", usPerItem(inPacks, () => packs.forEach((d) => (sink = packedEvents(d))))],
  ];
  console.log(
    `${n} generated events (${inPacks} of them in ${packs.length} packs), node ${process.version}; µs of CPU per event (median of 5 passes)`,
  );
  for (const [what, us] of figures) console.log(`  ${what.padEnd(36)} ${us.toFixed(2)}`);
  if (sink === undefined) throw new Error("nothing measured");
}

main();
