import { makePayloads } from "/work/wt/inflight/test/bench/payloads.ts";
import { analytics as analyticsDef, toEventRow } from "/work/wt/inflight/src/consumers/analytics/index.ts";
import { createTableConsumer } from "/work/wt/inflight/src/consumers/table-consumer.ts";
import { createEventReader } from "/work/wt/inflight/src/events/index.ts";
const N = 50_000;
const p = makePayloads(N, "mb");
const store = {} as never;
const a = createTableConsumer(analyticsDef, { store });
const read = createEventReader();
const msgs = p.messages.map((m, i) => ({ subject: m.subject, data: m.data, header: () => undefined, streamSeq: i + 1, deliveryCount: 1 }));
function time(name: string, f: () => void) {
  for (let r = 0; r < 5; r++) {
    const t0 = performance.now();
    f();
    const us = ((performance.now() - t0) * 1000) / N;
    if (r >= 2) console.log(name, us.toFixed(2), "µs/event");
  }
}
let sink: unknown;
time("read", () => { for (const m of msgs) sink = read(m.data); });
const events = msgs.map((m) => { const r = read(m.data); if (!r.ok) throw new Error("x"); return r.event; });
time("toEventRow", () => { for (const e of events) sink = toEventRow(e as never, "", 1, ""); });
time("Date.parse", () => { for (const e of events) sink = Date.parse((e as {timestamp: string}).timestamp); });
time("prepare", () => { for (const m of msgs) sink = a.prepare(m); });
console.log(typeof sink);
