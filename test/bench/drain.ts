import { ProcWatch, type Child } from "../helpers/processes.ts";
import { PLAY_CONSUMERS, startConsumers } from "./e2e.ts";
import { consumerLag, createNamespace, dropNamespace, type Harness } from "./harness.ts";
import { failedRow, runWorker } from "./parts.ts";
import type { BenchRow } from "./table.ts";

/** The drains side by side: as configured, with one write in flight, and a backlog of packs. */
export type DrainVariant = "default" | "serial" | "packed";

/** Events per request the packed backlog is packed as, like the `pipeline.packed.100` row. */
const PACK_PER_REQUEST = 100;

const VARIANTS: Record<DrainVariant, { id: string; label: string; env: Record<string, string> }> = {
  default: { id: "consumers.drain", label: "", env: {} },
  serial: {
    id: "consumers.drain.serial",
    label: ", one write in flight per consumer",
    env: { PLAYPULSE_WRITES_IN_FLIGHT: "1" },
  },
  packed: { id: "consumers.drain.packed", label: `, packed per ${PACK_PER_REQUEST}-event request`, env: {} },
};

/**
 * The consumer roles alone: a backlog of `n` events is published first, then the three
 * consumers (a Node process each, default settings) start; the figure is events per second from
 * the first processed message until both play consumers have no lag left. Variants: "serial"
 * sets PLAYPULSE_WRITES_IN_FLIGHT=1; "packed" publishes the backlog as the edge packs it with
 * PLAYPULSE_PACK_EVENTS for requests of 100 events (fewer messages, the same events).
 */
export async function measureConsumers(h: Harness, variant: DrainVariant = "default"): Promise<BenchRow> {
  const n = h.quick ? 20_000 : 200_000;
  const v = VARIANTS[variant];
  const label = `consumers alone (node, one process each, batch 5,000${v.label}): drain a backlog of ${n.toLocaleString("en-US")} events into events and rec_events`;
  const created = await createNamespace(h, "drain");
  const ns = { ...created, env: { ...created.env, ...v.env } };
  let children: Child[] = [];
  try {
    h.log(`  consumers alone, draining a backlog${v.label}`);
    const pack = variant === "packed" ? { packPerRequest: PACK_PER_REQUEST } : {};
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
