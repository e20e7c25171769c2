/**
 * A ceiling measurement in a process of its own, so its CPU and memory are its own:
 * `node --import tsx test/bench/worker.ts '<json task>'`. It prepares the payloads, prints
 * "ready", then measures and prints one JSON line with the result.
 */
import {
  clickhouseClientCeiling,
  clickhouseRawCeiling,
  corePublishCeiling,
  deliverCeiling,
  jsPublishCeiling,
  type CeilingResult,
} from "./ceilings.ts";
import { pacedInserts } from "./ch-paced.ts";
import { makePayloads, packedPayloads } from "./payloads.ts";

export type WorkerTask =
  | {
      kind: "js-publish" | "js-core";
      natsUrl: string;
      prefix: string;
      durationMs: number;
      window: number;
      payloads: number;
    }
  | {
      kind: "js-fill";
      natsUrl: string;
      prefix: string;
      payloads: number;
      /** Set: packed as the edge packs requests of this many events (PLAYPULSE_PACK_EVENTS). */
      packPerRequest?: number;
    }
  | {
      kind: "js-deliver";
      natsUrl: string;
      stream: string;
      durables: string[];
      durationMs: number;
      batch: number;
      /** 1: an ack per message; n: every n-th and the last (durables with `AckPolicy.All`). */
      ackEvery: number;
    }
  | {
      kind: "ch-raw" | "ch-client";
      clickhouseUrl: string;
      database: string;
      durationMs: number;
      batch: number;
      payloads: number;
    }
  | {
      kind: "ch-paced";
      clickhouseUrl: string;
      database: string;
      /** Rows per insert, and the events per second they are paced at. */
      batch: number;
      eventsPerSec: number;
      /** Inserts at the pace before "ready", so the merges are in their steady state when measured. */
      warmupMs: number;
      durationMs: number;
      payloads: number;
    };

async function prepare(task: WorkerTask): Promise<() => Promise<CeilingResult>> {
  switch (task.kind) {
    case "js-publish": {
      const p = makePayloads(task.payloads, task.prefix);
      return () => jsPublishCeiling(task.natsUrl, p, task.durationMs, task.window);
    }
    case "js-core": {
      const p = makePayloads(task.payloads, task.prefix);
      return () => corePublishCeiling(task.natsUrl, p, task.durationMs, task.window);
    }
    case "js-fill": {
      const events = makePayloads(task.payloads, task.prefix);
      const p = task.packPerRequest === undefined ? events : packedPayloads(events, task.packPerRequest);
      return () => corePublishCeiling(task.natsUrl, p, Number.POSITIVE_INFINITY, 1000, p.messages.length);
    }
    case "js-deliver":
      return () => deliverCeiling(task.natsUrl, task.stream, task.durables, task.durationMs, task.batch, task.ackEvery);
    case "ch-raw": {
      const p = makePayloads(task.payloads, "");
      return () => clickhouseRawCeiling(task.clickhouseUrl, task.database, p, task.durationMs, task.batch);
    }
    case "ch-client": {
      const p = makePayloads(task.payloads, "");
      return () => clickhouseClientCeiling(task.clickhouseUrl, task.database, p, task.durationMs, task.batch);
    }
    case "ch-paced": {
      const p = makePayloads(task.payloads, "");
      const paced = pacedInserts(task.clickhouseUrl, task.database, p, task.batch, task.eventsPerSec);
      await paced.run(task.warmupMs);
      return () => paced.run(task.durationMs);
    }
  }
}

const task = JSON.parse(process.argv[2] ?? "{}") as WorkerTask;
const measure = await prepare(task);
process.stdout.write("ready\n");
// Give the parent a moment to start its /proc sampler before the measured window.
await new Promise((r) => setTimeout(r, 200));
measure().then(
  (r) => process.stdout.write(`${JSON.stringify(r)}\n`),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
