import { ProcWatch, type Child } from "../helpers/processes.ts";
import { PLAY_CONSUMERS, startConsumers } from "./e2e.ts";
import { consumerLag, createNamespace, dropNamespace, type Harness } from "./harness.ts";
import { failedRow, runWorker } from "./parts.ts";
import { loadConfig } from "../../src/config.ts";
import type { BenchRow } from "./table.ts";

/** The drains side by side: one event per message, with one write in flight, packs (the defaults), packs at batch 5,000. */
export type DrainVariant = "default" | "serial" | "packed" | "packed5k";

/** Events per request the packed backlog is packed as, like the `pipeline.packed.100` row. */
const PACK_PER_REQUEST = 100;

interface Variant {
  id: string;
  label: string;
  packed: boolean;
  env: Record<string, string>;
}

const packedLabel = `, packed per ${PACK_PER_REQUEST}-event request as the edge packs by default`;
const VARIANTS: Record<DrainVariant, Variant> = {
  default: { id: "consumers.drain", label: ", one message per event", packed: false, env: {} },
  serial: {
    id: "consumers.drain.serial",
    label: ", one message per event, one write in flight per consumer",
    packed: false,
    env: { PLAYPULSE_WRITES_IN_FLIGHT: "1" },
  },
  // The edge's default output for 100-event requests, drained at the defaults: issue 15's row.
  packed: { id: "consumers.drain.packed", label: packedLabel, packed: true, env: {} },
  // The batch before 2026-12-08: larger inserts cost ClickHouse less per row.
  packed5k: {
    id: "consumers.drain.packed.5k",
    label: packedLabel,
    packed: true,
    env: { PLAYPULSE_BATCH_SIZE: "5000" },
  },
};

/**
 * The consumer roles alone: a backlog of `n` events is published first, then the three
 * consumers (a Node process each, default settings) start; the figure is events per second from
 * the first processed message until both play consumers have no lag left. The backlog is one
 * message per event (what single-event requests make), or ("packed") as the edge packs requests
 * of 100 events by default (fewer messages, the same events). Variants: "serial" sets
 * PLAYPULSE_WRITES_IN_FLIGHT=1; "packed5k" is the packed backlog at PLAYPULSE_BATCH_SIZE=5000.
 */
export async function measureConsumers(h: Harness, variant: DrainVariant = "default"): Promise<BenchRow> {
  const n = h.quick ? 20_000 : 200_000;
  const v = VARIANTS[variant];
  // The consumers' batch as their settings make it: the default unless the variant sets it.
  const batch = loadConfig(v.env).consumers.batchSize;
  const label = `consumers alone (node, one process each, batch ${batch.toLocaleString("en-US")}${v.label}): drain a backlog of ${n.toLocaleString("en-US")} events into events and rec_events`;
  const created = await createNamespace(h, "drain");
  const ns = { ...created, env: { ...created.env, ...v.env } };
  let children: Child[] = [];
  try {
    h.log(`  consumers alone, draining a backlog${v.label}, batch ${batch}`);
    const pack = v.packed ? { packPerRequest: PACK_PER_REQUEST } : {};
    const fill = await runWorker(h, { kind: "js-fill", natsUrl: h.natsUrl, prefix: ns.ns, payloads: n, ...pack });
    // The lag is in messages: n for one event each, fewer for packs.
    const messages = fill.result.events;
    const started = await startConsumers(h, ns);
    children = started.children;
    const w = new ProcWatch({ ...started.watch, ...h.serverPids });
    const deadline = Date.now() + (h.quick ? 120_000 : 600_000);
    let t0: number | undefined;
    for (;;) {
      const lag = await consumerLag(h, ns.stream, PLAY_CONSUMERS);
      const max = Math.max(...Object.values(lag));
      if (t0 === undefined && max < messages) {
        t0 = performance.now();
        w.start();
      }
      if (max === 0) break;
      if (Date.now() > deadline) throw new Error(`backlog not drained in time: lag ${JSON.stringify(lag)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const secs = (performance.now() - (t0 ?? performance.now())) / 1000;
    const inMessages = messages === n ? "" : ` in ${messages.toLocaleString("en-US")} messages`;
    return {
      id: v.id,
      group: "pipeline",
      label,
      eventsPerSec: Math.round(n / Math.max(0.001, secs)),
      p50Ms: null,
      p99Ms: null,
      procs: w.stop(),
      note: `${n.toLocaleString("en-US")} events${inMessages} in ${secs.toFixed(1)} s; the slower of analytics and recommendations`,
    };
  } catch (err: unknown) {
    return failedRow(v.id, "pipeline", label, err);
  } finally {
    for (const c of children) await c.stop();
    await dropNamespace(h, ns);
  }
}
