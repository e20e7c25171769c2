import { createClient } from "@clickhouse/client";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect, createInbox, headers as natsHeaders, type Msg, type NatsConnection } from "@nats-io/transport-node";
import { Histogram, type HistogramSnapshot } from "../../src/load/index.ts";
import { formatClause, insertBody } from "../../src/store/formats.ts";
import type { Payloads } from "./payloads.ts";

export interface CeilingResult {
  /** Events (messages, or rows of `events` with their `rec_events` twin) per second. */
  events: number;
  elapsedMs: number;
  latency: HistogramSnapshot;
  note: string;
}

/** Runs `one(i)` with at most `window` in flight until `durationMs` passes or `max` calls were made. */
async function windowed(
  durationMs: number,
  window: number,
  one: (i: number) => Promise<void>,
  max = Number.POSITIVE_INFINITY,
): Promise<{ done: number; elapsedMs: number; latency: Histogram }> {
  const latency = new Histogram();
  const t0 = performance.now();
  let next = 0;
  let done = 0;
  await Promise.all(
    Array.from({ length: window }, async () => {
      while (performance.now() - t0 < durationMs && next < max) {
        const i = next++;
        const s = performance.now();
        await one(i);
        latency.record((performance.now() - s) * 1000);
        done++;
      }
    }),
  );
  return { done, elapsedMs: performance.now() - t0, latency };
}

/** nats.js `js.publish` with a msgID per message, `window` publishes in flight. */
export async function jsPublishCeiling(
  natsUrl: string,
  p: Payloads,
  durationMs: number,
  window: number,
): Promise<CeilingResult> {
  const nc = await connect({ servers: natsUrl });
  const js = jetstream(nc);
  const n = p.messages.length;
  const r = await windowed(durationMs, window, async (i) => {
    const m = p.messages[i % n];
    if (!m) return;
    await js.publish(m.subject, m.data, { msgID: `${m.id}.${Math.floor(i / n)}` });
  });
  await nc.close();
  return {
    events: r.done,
    elapsedMs: r.elapsedMs,
    latency: r.latency.snapshot(),
    note: `js.publish, ${window} in flight`,
  };
}

/**
 * Core publishes with a reply subject under one shared inbox subscription (PubAcks correlated
 * by token), `window` in flight: the design of src/bus/publisher.ts, without its bookkeeping.
 */
export async function corePublishCeiling(
  natsUrl: string,
  p: Payloads,
  durationMs: number,
  window: number,
  max = Number.POSITIVE_INFINITY,
): Promise<CeilingResult> {
  const nc: NatsConnection = await connect({ servers: natsUrl });
  const inbox = createInbox();
  const waiting = new Map<string, () => void>();
  let failed = 0;
  nc.subscribe(`${inbox}.*`, {
    callback: (_err: Error | null, msg: Msg) => {
      const token = msg.subject.slice(inbox.length + 1);
      if (msg.data.length > 0 && msg.data[2] === 101) failed++; // {"error": ...
      waiting.get(token)?.();
      waiting.delete(token);
    },
  });
  const n = p.messages.length;
  const r = await windowed(
    durationMs,
    window,
    (i) => {
      const m = p.messages[i % n];
      if (!m) return Promise.resolve();
      const token = i.toString(36);
      const h = natsHeaders();
      h.set("Nats-Msg-Id", `${m.id}.${Math.floor(i / n)}`);
      for (const [k, v] of Object.entries(m.headers ?? {})) h.set(k, v);
      const acked = new Promise<void>((resolve) => waiting.set(token, resolve));
      nc.publish(m.subject, m.data, { reply: `${inbox}.${token}`, headers: h });
      return acked;
    },
    max,
  );
  await nc.close();
  return {
    events: r.done - failed,
    elapsedMs: r.elapsedMs,
    latency: r.latency.snapshot(),
    note: `core publish + shared reply inbox, ${window} in flight${failed > 0 ? `, ${failed} errors` : ""}`,
  };
}

/**
 * Two deliveries per event: the stream's play durables (analytics and recommendations) each drain
 * the backlog already in the stream through one `consume()` subscription, without decoding it.
 * `ackEvery` 1 acks every message, as the consume loop does (the durables as provisioned,
 * `AckPolicy.Explicit`); with durables created with `AckPolicy.All`, `ackEvery` n acks every n-th
 * message and the last one, each ack covering every earlier delivery. Events are the deliveries
 * divided by the number of durables.
 */
export async function deliverCeiling(
  natsUrl: string,
  stream: string,
  durables: readonly string[],
  durationMs: number,
  batch: number,
  ackEvery: number,
): Promise<CeilingResult> {
  const nc = await connect({ servers: natsUrl });
  const jsm = await jetstreamManager(nc);
  const targets = await Promise.all(durables.map(async (d) => (await jsm.consumers.info(stream, d)).num_pending));
  const js = jetstream(nc);
  const latency = new Histogram();
  const t0 = performance.now();
  const counts = await Promise.all(
    durables.map(async (name, i) => {
      const target = targets[i] ?? 0;
      const messages = await (await js.consumers.get(stream, name)).consume({ max_messages: batch * 2 });
      let got = 0;
      for await (const m of messages) {
        const last = ++got >= target || performance.now() - t0 > durationMs;
        if (last || got % ackEvery === 0) m.ack();
        if (last) break;
      }
      await messages.close();
      latency.record((performance.now() - t0) * 1000);
      return got;
    }),
  );
  await nc.flush(); // the last acks reached the server
  const elapsedMs = performance.now() - t0;
  const unacked = await Promise.all(durables.map(async (d) => (await jsm.consumers.info(stream, d)).num_ack_pending));
  await nc.close();
  const deliveries = counts.reduce((a, b) => a + b, 0);
  const acks =
    ackEvery === 1
      ? "one ack per message"
      : `AckPolicy.All, one ack per ${ackEvery.toLocaleString("en-US")} messages and the last`;
  return {
    events: Math.round(deliveries / Math.max(1, durables.length)),
    elapsedMs,
    latency: latency.snapshot(),
    note: `${durables.join(" and ")} durables drain a backlog, consume() with ${(batch * 2).toLocaleString("en-US")} messages in flight, ${acks}, bodies not decoded; unacknowledged after the drain: ${unacked.join(" and ")}`,
  };
}

/** A pre-serialised insert: its body as `store.insert` writes it, its format and columns. */
export interface StoreBody {
  bytes: Uint8Array;
  rows: number;
  /** What follows `INSERT INTO <table>` (`formatClause`): the columns TabSeparated names, and the format. */
  format: string;
}

/** Rows cut into inserts of `batch` rows, each serialised as `store.insert` does (src/store/formats.ts), before any clock starts. */
export function storeBodies(rows: readonly object[], batch: number): StoreBody[] {
  const encoder = new TextEncoder();
  const out: StoreBody[] = [];
  for (let i = 0; i < rows.length; i += batch) {
    const part = rows.slice(i, i + batch);
    const body = insertBody(part);
    out.push({ bytes: encoder.encode(body.chunks.join("")), rows: part.length, format: formatClause(body) });
  }
  return out;
}

/** One `INSERT INTO table … FORMAT …` of a pre-serialised body over plain HTTP. */
export async function postInsert(url: string, database: string, table: string, body: StoreBody): Promise<void> {
  const res = await fetch(
    `${url}/?database=${database}&query=${encodeURIComponent(`INSERT INTO ${table}${body.format}`)}`,
    { method: "POST", body: body.bytes },
  );
  if (!res.ok) throw new Error(`ClickHouse insert answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
  await res.arrayBuffer();
}

/**
 * Pre-serialised bodies over plain HTTP, `batch` rows per INSERT, events and rec_events in turn:
 * the body `store.insert` sends (it serialises each batch itself, TabSeparated for these flat
 * rows, and sends it through `@clickhouse/client`'s `exec`), serialised before the clock starts.
 */
export async function clickhouseRawCeiling(
  url: string,
  database: string,
  p: Payloads,
  durationMs: number,
  batch: number,
): Promise<CeilingResult> {
  const ev = storeBodies(p.eventRows, batch);
  const rec = storeBodies(p.recRows, batch);
  let rows = 0;
  const r = await windowed(durationMs, 1, async (i) => {
    const e = ev[i % ev.length];
    const rc = rec[i % rec.length];
    if (!e || !rc) return;
    await Promise.all([postInsert(url, database, "events", e), postInsert(url, database, "rec_events", rc)]);
    rows += e.rows;
  });
  return {
    events: rows,
    elapsedMs: r.elapsedMs,
    latency: r.latency.snapshot(),
    note: `pre-serialised over plain HTTP as store.insert sends it (TabSeparated, serialised before timing), ${batch.toLocaleString("en-US")}-row inserts into events and rec_events`,
  };
}

/** `@clickhouse/client` given row objects (what `store.insert` did before it serialised rows itself; the baseline), `batch` rows per insert. */
export async function clickhouseClientCeiling(
  url: string,
  database: string,
  p: Payloads,
  durationMs: number,
  batch: number,
): Promise<CeilingResult> {
  const client = createClient({ url, database, max_open_connections: 4 });
  const chunks = <T>(a: T[]) =>
    Array.from({ length: Math.ceil(a.length / batch) }, (_, i) => a.slice(i * batch, (i + 1) * batch));
  const ev = chunks(p.eventRows);
  const rec = chunks(p.recRows);
  let rows = 0;
  const r = await windowed(durationMs, 1, async (i) => {
    const e = ev[i % ev.length] ?? [];
    await Promise.all([
      client.insert({ table: "events", values: e, format: "JSONEachRow" }),
      client.insert({ table: "rec_events", values: rec[i % rec.length] ?? [], format: "JSONEachRow" }),
    ]);
    rows += e.length;
  });
  await client.close();
  return {
    events: rows,
    elapsedMs: r.elapsedMs,
    latency: r.latency.snapshot(),
    note: `@clickhouse/client with row objects (store.insert before it serialised rows itself), ${batch.toLocaleString("en-US")}-row inserts into events and rec_events`,
  };
}
