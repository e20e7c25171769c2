/**
 * ClickHouse inserts as the consumers make them: `batch`-row inserts into `events` and
 * `rec_events` at a fixed pace, not as fast as possible. Each insert makes a part in each table
 * and in each materialised view's table, and ClickHouse merges those parts in the background; at
 * the consumers' size the parts and their merges, not the rows, are most of ClickHouse's CPU
 * (docs/benchmarks.md, "What an insert costs ClickHouse, by its size"). A ceiling that inserts
 * 100,000 rows at a time as fast as it can leaves most of that out, so the CPU budget takes the
 * rows' cost from this one.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { Histogram } from "../../src/load/index.ts";
import { postInsert, storeBodies, type CeilingResult } from "./ceilings.ts";
import type { Payloads } from "./payloads.ts";

export interface PacedInserts {
  /**
   * Inserts at the pace for `durationMs`, continuing with the rows after the last call's, and
   * returns when the window is over (the merges of its last parts run inside it).
   */
  run(durationMs: number): Promise<CeilingResult>;
}

/** An insert pair of `batch` rows every `batch ÷ eventsPerSec` seconds, of the rows of `p` in turn. */
export function pacedInserts(
  url: string,
  database: string,
  p: Payloads,
  batch: number,
  eventsPerSec: number,
): PacedInserts {
  const ev = storeBodies(p.eventRows, batch);
  const rec = storeBodies(p.recRows, batch);
  const everyMs = (batch / eventsPerSec) * 1000;
  let next = 0;
  return {
    async run(durationMs) {
      const latency = new Histogram();
      const t0 = performance.now();
      let rows = 0;
      for (let k = 0; k * everyMs < durationMs; k++) {
        const wait = t0 + k * everyMs - performance.now();
        if (wait > 0) await sleep(wait);
        const i = next++;
        const e = ev[i % ev.length];
        const rc = rec[i % rec.length];
        if (!e || !rc) break;
        const s = performance.now();
        await Promise.all([postInsert(url, database, "events", e), postInsert(url, database, "rec_events", rc)]);
        latency.record((performance.now() - s) * 1000);
        rows += e.rows;
      }
      const rest = t0 + durationMs - performance.now();
      if (rest > 0) await sleep(rest);
      return {
        events: rows,
        elapsedMs: performance.now() - t0,
        latency: latency.snapshot(),
        note: `${batch.toLocaleString("en-US")}-row inserts into events and rec_events (pre-serialised as store.insert sends it) paced at ${eventsPerSec.toLocaleString("en-US")} events/s, one pair every ${(everyMs / 1000).toLocaleString("en-US")} s, after a warm-up at that pace; background merges included; CPU at this pace, not a maximum`,
      };
    },
  };
}
