import { ProcWatch, type Child } from "../helpers/processes.ts";
import { PLAY_CONSUMERS, startConsumers } from "./e2e.ts";
import { consumerLag, createNamespace, dropNamespace, type Harness } from "./harness.ts";
import { failedRow, runWorker } from "./parts.ts";
import type { BenchRow } from "./table.ts";

/**
 * The consumer roles alone: a backlog of `n` events is published first, then the three
 * consumers (a Node process each, default settings) start; the figure is events per second from
 * the first processed event until both play consumers have no lag left. `writesInFlight` set:
 * the same with PLAYPULSE_WRITES_IN_FLIGHT at that value (row `consumers.drain.serial` for 1).
 */
export async function measureConsumers(h: Harness, writesInFlight?: 1): Promise<BenchRow> {
  const n = h.quick ? 20_000 : 200_000;
  const id = writesInFlight === undefined ? "consumers.drain" : "consumers.drain.serial";
  const writes = writesInFlight === undefined ? "" : ", one write in flight per consumer";
  const label = `consumers alone (node, one process each, batch 5,000${writes}): drain a backlog of ${n.toLocaleString("en-US")} events into events and rec_events`;
  const created = await createNamespace(h, "drain");
  const ns =
    writesInFlight === undefined
      ? created
      : { ...created, env: { ...created.env, PLAYPULSE_WRITES_IN_FLIGHT: String(writesInFlight) } };
  let children: Child[] = [];
  try {
    h.log("  consumers alone, draining a backlog");
    await runWorker(h, { kind: "js-fill", natsUrl: h.natsUrl, prefix: ns.ns, payloads: n });
    const started = await startConsumers(h, ns);
    children = started.children;
    const w = new ProcWatch({ ...started.watch, ...h.serverPids });
    const deadline = Date.now() + (h.quick ? 120_000 : 600_000);
    let t0: number | undefined;
    for (;;) {
      const lag = await consumerLag(h, ns.stream, PLAY_CONSUMERS);
      const max = Math.max(...Object.values(lag));
      if (t0 === undefined && max < n) {
        t0 = performance.now();
        w.start();
      }
      if (max === 0) break;
      if (Date.now() > deadline) throw new Error(`backlog not drained in time: lag ${JSON.stringify(lag)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const secs = (performance.now() - (t0 ?? performance.now())) / 1000;
    return {
      id,
      group: "pipeline",
      label,
      eventsPerSec: Math.round(n / Math.max(0.001, secs)),
      p50Ms: null,
      p99Ms: null,
      procs: w.stop(),
      note: `${n.toLocaleString("en-US")} events in ${secs.toFixed(1)} s; the slower of analytics and recommendations`,
    };
  } catch (err: unknown) {
    return failedRow(id, "pipeline", label, err);
  } finally {
    for (const c of children) await c.stop();
    await dropNamespace(h, ns);
  }
}
