import {
  consumerLag,
  PLAY_DURABLES,
  runLoadgen,
  startRoles,
  WRITE_KEY,
  type Harness,
  type LoadRun,
  type Namespace,
} from "./harness.ts";
import { closedArgs, rowFromLoad } from "./parts.ts";
import { waitDrained } from "./headroom.ts";
import type { Child } from "../helpers/processes.ts";
import type { BenchRow } from "./table.ts";

export const PLAY_CONSUMERS = PLAY_DURABLES;

/**
 * The consumer roles as production deploys them (k8s/: one Deployment each): one Node process
 * per consumer, so analytics and recommendations can run on different cores.
 */
export async function startConsumers(
  h: Harness,
  n: Namespace,
): Promise<{ children: Child[]; watch: Record<string, number | undefined> }> {
  const children: Child[] = [];
  const watch: Record<string, number | undefined> = {};
  try {
    for (const role of ["analytics", "recommendations", "content"] as const) {
      const started = await startRoles(h, n, "node", [role], role);
      children.push(started.child);
      watch[role] = started.child.pid;
    }
  } catch (err: unknown) {
    for (const c of children) await c.stop();
    throw err;
  }
  return { children, watch };
}

interface Window {
  run: LoadRun;
  secs: number;
  lagStart: Record<string, number>;
  lagEnd: Record<string, number>;
  series: number[];
}

/** A load run that also records consumer lag at the window's start, end, and every 500 ms. */
async function withLag(
  h: Harness,
  n: Namespace,
  args: string[],
  watch: Record<string, number | undefined>,
): Promise<Window> {
  let lagStart: Record<string, number> = {};
  let lagEnd: Record<string, number> = {};
  const series: number[] = [];
  let timer: ReturnType<typeof setInterval> | undefined;
  let t0 = 0;
  let t1 = 0;
  const maxLag = async () => Math.max(...Object.values(await consumerLag(h, n.stream, PLAY_CONSUMERS)));
  const run = await runLoadgen(h, args, watch, async (phase) => {
    if (phase === "start") {
      t0 = performance.now();
      lagStart = await consumerLag(h, n.stream, PLAY_CONSUMERS);
      timer = setInterval(
        () =>
          void maxLag().then(
            (l) => series.push(l),
            () => undefined,
          ),
        500,
      );
    } else {
      t1 = performance.now();
      clearInterval(timer);
      lagEnd = await consumerLag(h, n.stream, PLAY_CONSUMERS);
    }
  });
  return { run, secs: (t1 - t0) / 1000, lagStart, lagEnd, series };
}

/**
 * Events/s the slowest play consumer can store, from a saturation probe: input stops at the
 * window's end, then the consumers get `graceMs` more. A consumer that emptied its backlog by
 * then kept up (it is not the bottleneck: Infinity); otherwise it worked flat out the whole
 * time and its rate is what it processed over window + grace. (Reading the lag at the window's
 * end alone would charge the consumers for the batch they hold by design.)
 */
async function drainRate(h: Harness, n: Namespace, w: Window, graceMs: number): Promise<number> {
  await new Promise((r) => setTimeout(r, graceMs));
  const lag = await consumerLag(h, n.stream, PLAY_CONSUMERS);
  const accepted = w.run.summary.events.accepted + w.run.summary.events.duplicates;
  const secs = w.secs + graceMs / 1000;
  return Math.min(
    ...PLAY_CONSUMERS.map((c) =>
      (lag[c] ?? 0) === 0
        ? Number.POSITIVE_INFINITY
        : (accepted + (w.lagStart[c] ?? 0) - (lag[c] ?? 0)) / Math.max(0.001, secs),
    ),
  );
}

/** The consumers' default batch (PLAYPULSE_BATCH_SIZE); the bench leaves it at its default. */
const CONSUMER_BATCH = 5000;
/** Batches a consume loop holds by design: PLAYPULSE_WRITES_IN_FLIGHT's default (2) being written, one filling. */
const BATCHES_IN_HAND = 3;

/**
 * Lag is flat when its least-squares slope over the window (samples every 500 ms) is at most
 * 10 % of the input rate, or when it ends within what batching holds by design: two seconds of
 * input, or the batches each puller of a durable holds in hand (`pullers` replicas, each two
 * being written and one filling), whichever is more. The lag counts `num_ack_pending`, which
 * holds those batches, so a run that starts empty ramps up to them.
 */
export function isFlat(series: readonly number[], rate: number, pullers = 1, batch = CONSUMER_BATCH): boolean {
  if (series.length < 2) return true;
  if ((series.at(-1) ?? 0) <= Math.max(rate * 2, batch * BATCHES_IN_HAND * pullers)) return true;
  const n = series.length;
  const mx = (n - 1) / 2;
  const my = series.reduce((a, b) => a + b, 0) / n;
  let cov = 0;
  let vx = 0;
  series.forEach((y, x) => {
    cov += (x - mx) * (y - my);
    vx += (x - mx) ** 2;
  });
  const perSecond = (cov / vx) * 2;
  return perSecond <= rate * 0.1;
}

interface Sustained {
  row: BenchRow;
  rate: number;
  /** The confirming run, whose figures the row shows. */
  run: LoadRun;
}

/**
 * Finds the maximum sustainable rate: a closed-model probe gives what the edge accepts and
 * what the consumers drain; an open-model run at 90 % of the lower of the two confirms that
 * the lag stays flat (lowering by 20 % and trying again in full mode if it grew). `confirm`
 * goes to the confirming runs only (e.g. `--verify`, which checks after the measured window).
 */
export async function sustainable(
  h: Harness,
  n: Namespace,
  url: string,
  batch: number,
  watch: Record<string, number | undefined>,
  id: string,
  label: string,
  extra: string[],
  confirm: string[] = [],
  /** Replicas pulling from each play durable (the scale-out section runs 2). */
  pullers = 1,
): Promise<Sustained & { probe: Window }> {
  const base = ["--url", url, "--key", WRITE_KEY, "--batch", String(batch), "--freshness", "off", ...extra];
  const probeMs = h.quick ? h.windowMs : h.windowMs * 1.5;
  const probe = await withLag(h, n, [...base, ...closedArgs(batch), "--duration", `${Math.round(probeMs)}ms`], watch);
  const accepted = probe.run.summary.throughput.accepted_per_s;
  const drained = await drainRate(h, n, probe, 2500);
  let rate = Math.max(1, Math.floor(Math.min(accepted, drained) * 0.9));
  let tries = h.quick ? 1 : 3;
  for (;;) {
    h.log(
      `    confirming ${rate.toLocaleString("en-US")} events/s (probe: accepted ${Math.round(accepted)}/s, consumers ${drainText(drained)})`,
    );
    await waitDrained(h, n, h.quick ? 2000 : 30_000);
    const w = await withLag(
      h,
      n,
      [
        ...base,
        "--no-catalog",
        "--rate",
        String(rate),
        "--connections",
        batch === 1 ? "128" : "32",
        "--duration",
        `${Math.round(h.windowMs * (h.quick ? 1 : 2))}ms`,
        ...confirm,
      ],
      watch,
    );
    const flat = isFlat(w.series, rate, pullers);
    tries--;
    if (flat || tries === 0) {
      const lagNote = `lag ${flat ? "flat" : "GREW"} (max ${Math.max(0, ...w.series).toLocaleString("en-US")}, end ${Math.max(...Object.values(w.lagEnd)).toLocaleString("en-US")} events); saturation probe: accepted ${Math.round(accepted).toLocaleString("en-US")}/s, consumers ${drainText(drained)}`;
      return {
        row: rowFromLoad(
          id,
          id.startsWith("baseline") ? "baseline" : "pipeline",
          label,
          w.run,
          `open model at ${rate.toLocaleString("en-US")}/s; ${lagNote}`,
        ),
        rate,
        run: w.run,
        probe,
      };
    }
    rate = Math.floor(rate * 0.8);
  }
}

const drainText = (d: number) =>
  Number.isFinite(d) ? `drained ${Math.round(d).toLocaleString("en-US")}/s` : "kept up";
