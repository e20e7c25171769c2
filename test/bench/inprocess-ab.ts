/**
 * Two checkouts side by side in one process: the per-event CPU of the three JavaScript parts a
 * packed pipeline run spends most in, without I/O, so that a lever of a few µs is told apart from
 * the machine's spread between runs (which is larger: docs/benchmarks.md, "Reading these numbers").
 *
 * - `load`: the load generator's work per event: generate, encode a 100-event body, record the
 *   ground truth of its acceptance (src/load).
 * - `edge`: `POST /v1/events` with 100-event JSON bodies on the ingest routes with packing on
 *   (parse, validate, plan, pack, answer), a publisher that answers "stored" at once.
 * - `consumers`: the analytics and recommendations consumers' `prepare` of the same events packed
 *   100 to a message, then the insert body of their rows (TabSeparated since round five,
 *   JSONEachRow before).
 *
 * Rounds alternate between the checkouts; each figure is the median of the rounds after two of
 * warm-up. The run stops unless both checkouts publish the same events (compared as sorted JSON)
 * and build the same rows (compared as JSON), so only speed differs there. The load generator's
 * bodies may differ (its changes are the lever); the events it generated are counted.
 *
 *   git worktree add /tmp/before <rev>   # with node_modules linked, or installed
 *   npx tsx --tsconfig test/bench/tsconfig.json test/bench/inprocess-ab.ts /tmp/before . [--events 20000] [--rounds 12]
 */
import { createHash } from "node:crypto";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import type { ConsumerHandler, InboundMessage, OutboundMessage } from "../../src/bus/index.ts";
import type * as Analytics from "../../src/consumers/analytics/index.ts";
import type * as Recommendations from "../../src/consumers/recommendations/index.ts";
import type * as TableConsumer from "../../src/consumers/table-consumer.ts";
import type * as Events from "../../src/events/index.ts";
import type * as Routes from "../../src/ingest/routes.ts";
import type { GeneratedEvent } from "../../src/load/index.ts";
import type * as Sender from "../../src/load/sender.ts";
import type * as Truth from "../../src/load/truth.ts";
import type * as Views from "../../src/load/views.ts";
import type * as Formats from "../../src/store/formats.ts";
import type { Store } from "../../src/store/index.ts";
import { makePayloads, packedPayloads } from "./payloads.ts";

interface Checkout {
  dir: string;
  load: () => Measured;
  edge: () => Promise<Measured>;
  consumers: () => Measured;
}

const HELP = `usage: inprocess-ab.ts <checkout A> <checkout B> [--events N] [--rounds N]

Per-event CPU of the load generator, the edge and the two play consumers in two checkouts of
Playpulse, measured in one process, rounds alternating. Prints µs per event for each part.`;

const RECEIVED_AT = 1_800_000_000_000;

/** A module of a checkout, typed as this checkout's own: the calls below exist in every checkout compared so far. */
const load = <T>(dir: string, path: string): Promise<T> => import(resolve(dir, path)) as Promise<T>;

interface Measured {
  us: number;
  check: string;
}

function sortedJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(sortedJson).join(",")}]`;
  if (value !== null && typeof value === "object")
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${sortedJson((value as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  return JSON.stringify(value);
}

/** The generated events, once for both checkouts (their timestamps are the time of generation). */
type Payloads = ReturnType<typeof makePayloads>;

async function loadPart(dir: string, events: number): Promise<() => Measured> {
  const views = await load<typeof Views>(dir, "src/load/views.ts");
  const truth = await load<typeof Truth>(dir, "src/load/truth.ts");
  // Before b9b9708 the sender's encoder was private: its form then.
  const { encodeBody } = await load<Partial<typeof Sender>>(dir, "src/load/sender.ts");
  const encode: (batch: readonly GeneratedEvent[]) => Buffer = encodeBody
    ? (batch) => encodeBody(batch, "json")
    : (batch) => Buffer.from(`[${batch.map((e) => JSON.stringify(e.body)).join(",")}]`);
  return () => {
    const gen = new views.TrafficGenerator({
      runId: "ab",
      seed: 7,
      titles: 500,
      zipf: 1,
      viewers: 5000,
      heartbeatMs: 30_000,
    });
    const t = new truth.GroundTruth();
    let bytes = 0;
    const t0 = performance.now();
    for (let i = 0; i < events; i += 100) {
      const batch: GeneratedEvent[] = [];
      for (let k = 0; k < 100; k++) batch.push(gen.next(RECEIVED_AT));
      bytes += encode(batch).byteLength;
      for (const e of batch) t.accept(e);
    }
    const us = ((performance.now() - t0) * 1000) / events;
    if (t.playEventCount() !== events || bytes === 0)
      throw new Error(`${dir}: the truth counted ${t.playEventCount()}`);
    // The bodies differ between checkouts on purpose (b9b9708 and 89e4bff changed them): the count is compared.
    return { us, check: `${t.playEventCount()} events` };
  };
}

async function edgePart(dir: string, events: number, payloads: Payloads): Promise<() => Promise<Measured>> {
  const routes = await load<typeof Routes>(dir, "src/ingest/routes.ts");
  const { packedTexts } = await load<typeof Events>(dir, "src/events/index.ts");
  const sent = payloads.messages.map((m) => {
    const o = JSON.parse(Buffer.from(m.data).toString("utf8")) as Record<string, unknown>;
    delete o.received_at;
    return o;
  });
  const bodies: string[] = [];
  for (let i = 0; i < sent.length; i += 100) bodies.push(JSON.stringify(sent.slice(i, i + 100)));
  let published: OutboundMessage[] = [];
  const app = routes.createIngestRoutes({
    publisher: {
      publish: (messages) => {
        published.push(...messages);
        return Promise.resolve(messages.map((_, i) => ({ status: "stored" as const, seq: i + 1, duplicate: false })));
      },
      inFlight: () => 0,
      close: () => Promise.resolve(),
    },
    keys: { write: new Set(["wk_ab"]), read: new Set<string>(), publishable: new Map() },
    limits: { maxBodyBytes: 1 << 20, maxBatchEvents: 1000, maxEventBytes: 32_768, bodyTimeoutMs: 5000 },
    retryAfterSeconds: 2,
    now: () => RECEIVED_AT,
    pack: true,
  });
  const headers = { authorization: "Bearer wk_ab", "content-type": "application/json" };
  return async () => {
    published = [];
    const t0 = performance.now();
    for (const body of bodies) {
      const res = await app.request("/v1/events", { method: "POST", headers, body });
      if (res.status !== 202) throw new Error(`${dir}: ${res.status} ${await res.text()}`);
      await res.arrayBuffer();
    }
    const us = ((performance.now() - t0) * 1000) / events;
    const hash = createHash("sha256");
    for (const m of published) for (const line of packedTexts(m.data) ?? []) hash.update(sortedJson(JSON.parse(line)));
    return { us, check: hash.digest("hex").slice(0, 16) };
  };
}

/**
 * How a checkout serialises a batch for its insert: `insertBody` (src/store/formats.ts) from
 * TabSeparated on, `jsonEachRowChunks` in src/store/client.ts before.
 */
async function rowSerialiser(dir: string): Promise<(rows: readonly object[]) => string[]> {
  const formats = await load<typeof Formats>(dir, "src/store/formats.ts").catch(() => undefined);
  if (formats) return (rows) => formats.insertBody(rows).chunks;
  const client = await load<{ jsonEachRowChunks: (rows: readonly object[]) => string[] }>(dir, "src/store/client.ts");
  return (rows) => client.jsonEachRowChunks(rows);
}

async function consumersPart(dir: string, events: number, payloads: Payloads): Promise<() => Measured> {
  const tc = await load<typeof TableConsumer>(dir, "src/consumers/table-consumer.ts");
  const { analytics } = await load<typeof Analytics>(dir, "src/consumers/analytics/index.ts");
  const { recommendations } = await load<typeof Recommendations>(dir, "src/consumers/recommendations/index.ts");
  const serialise = await rowSerialiser(dir);
  const packs: InboundMessage[] = packedPayloads(payloads, 100).messages.map((m, i) => ({
    subject: m.subject,
    data: m.data,
    streamSeq: i + 1,
    deliveryCount: 1,
    header: (k: string) => m.headers?.[k],
  }));
  const store = {} as Store; // prepare never touches the store
  const consumers: ConsumerHandler<object>[] = [
    tc.createTableConsumer(analytics, { store, now: () => RECEIVED_AT }),
    tc.createTableConsumer(recommendations, { store, now: () => RECEIVED_AT }),
  ];
  return () => {
    const tables: object[][] = [];
    const t0 = performance.now();
    for (const c of consumers) {
      const rows: object[] = [];
      for (const m of packs) {
        const o = c.prepare(m);
        if (o.kind !== "ok") throw new Error(`${dir}: ${c.name} ${o.kind}: ${o.reason}`);
        for (const r of o.rows) rows.push(r);
      }
      if (serialise(rows).length === 0) throw new Error(`${dir}: ${c.name} serialised no rows`);
      tables.push(rows);
    }
    const us = ((performance.now() - t0) * 1000) / events;
    const hash = createHash("sha256");
    for (const rows of tables) for (const r of rows) hash.update(JSON.stringify(r));
    return { us, check: hash.digest("hex").slice(0, 16) };
  };
}

async function checkout(dir: string, events: number, payloads: Payloads): Promise<Checkout> {
  return {
    dir,
    load: await loadPart(dir, events),
    edge: await edgePart(dir, events, payloads),
    consumers: await consumersPart(dir, events, payloads),
  };
}

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      events: { type: "string", default: "20000" },
      rounds: { type: "string", default: "12" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help || positionals.length !== 2) {
    console.log(HELP);
    process.exit(values.help ? 0 : 2);
  }
  const events = Number(values.events);
  const rounds = Number(values.rounds);
  if (!Number.isInteger(events) || events < 100 || events % 100 !== 0) throw new Error("--events: a multiple of 100");
  if (!Number.isInteger(rounds) || rounds < 3) throw new Error("--rounds: at least 3");
  const payloads = makePayloads(events, "ab");
  const both = await Promise.all(positionals.map((d) => checkout(resolve(d), events, payloads)));
  const parts = ["load", "edge", "consumers"] as const;
  const times = new Map<string, number[]>();
  const checks = new Map<string, string>();
  for (let round = 0; round < rounds; round++) {
    for (const c of both) {
      for (const part of parts) {
        const r = part === "edge" ? await c.edge() : c[part]();
        const prev = checks.get(part);
        if (prev !== undefined && prev !== r.check)
          throw new Error(`${part}: the checkouts differ in output (${prev} against ${r.check}), not only in speed`);
        checks.set(part, r.check);
        if (round >= 2) times.set(`${c.dir} ${part}`, [...(times.get(`${c.dir} ${part}`) ?? []), r.us]);
      }
    }
    process.stderr.write(`round ${round + 1}/${rounds}\n`);
  }
  console.log(`${events} events, ${rounds - 2} measured rounds, node ${process.version}; µs of CPU per event (median)`);
  console.log(`| part | ${both.map((c) => c.dir).join(" | ")} |`);
  console.log(`|---|${both.map(() => "--:").join("|")}|`);
  for (const part of parts)
    console.log(`| ${part} | ${both.map((c) => median(times.get(`${c.dir} ${part}`) ?? []).toFixed(2)).join(" | ")} |`);
}

await main();
