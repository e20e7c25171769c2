/** Runs of the pipeline bench with headroom: drained first, then below the maximum. */
import { consumerLag, PLAY_DURABLES, runLoadgen, WRITE_KEY, type Harness, type Namespace } from "./harness.ts";
import { rowFromLoad } from "./parts.ts";
import type { BenchRow } from "./table.ts";

/** Waits until neither play consumer has a backlog, or `timeoutMs` passed. */
export async function waitDrained(h: Harness, n: Namespace, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const lag = await consumerLag(h, n.stream, PLAY_DURABLES);
    if (Object.values(lag).every((l) => l === 0)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * The 202's latency at half the single-event maximum, open model: what a player sees on a pipeline
 * with headroom (issue 15's p99 target), after the backlog of the maximum's run has drained.
 * `packed`: the row of the packing edge (`pipeline.packed.1.half`).
 */
export async function halfRateLatency(
  h: Harness,
  n: Namespace,
  url: string,
  maxRate: number,
  watch: Record<string, number | undefined>,
  packed = false,
): Promise<BenchRow> {
  const half = Math.max(1, Math.floor(maxRate / 2));
  h.log(`  the 202 at half the single-event maximum (${half.toLocaleString("en-US")} events/s)`);
  await waitDrained(h, n, h.quick ? 2000 : 30_000);
  const args = ["--url", url, "--key", WRITE_KEY, "--batch", "1", "--rate", String(half), "--no-catalog"];
  const w = await runLoadgen(h, [...args, "--duration", `${h.windowMs}ms`], watch);
  return rowFromLoad(
    packed ? "pipeline.packed.1.half" : "pipeline.1.half",
    "pipeline",
    `pipeline end to end, 1 event/request${packed ? " packed across requests (PLAYPULSE_PACK_ACROSS_REQUESTS)" : ""}, at half the maximum (${half.toLocaleString("en-US")} events/s): the 202's latency`,
    w,
    `open model at ${half.toLocaleString("en-US")}/s, consumers running`,
  );
}
