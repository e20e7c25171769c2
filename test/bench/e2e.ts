import {
  consumerLag,
  PLAY_DURABLES,
  startRoles,
  WRITE_KEY,
  type Harness,
  type LoadRun,
  type Namespace,
} from "./harness.ts";
import { closedArgs, rowFromLoad } from "./parts.ts";
import { inEvents, withLag, type Window } from "./lag.ts";
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

/**
 * Events/s the slowest play consumer can store, from a saturation probe: input stops at the
 * window's end, then the consumers get `graceMs` more. A consumer that emptied its backlog by
 * then kept up (it is not the bottleneck: Infinity); otherwise it worked flat out the whole
 * time and its rate is what it processed over window + grace. (Reading the lag at the window's
 * end alone would charge the consumers for the batch they hold by design.)
 */
async function drainRate(h: Harness, n: Namespace, w: Window, graceMs: number): Promise<number> {
  await new Promise((r) => setTimeout(r, graceMs));
  const lag = inEvents(await consumerLag(h, n.stream, PLAY_CONSUMERS), w.eventsPerMessage);
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

/**
 * What a consumer batch holds at the rates where this bound decides (below 7,500 events/s, where
 * two seconds of input is less than three of these): 5,000 events. Since 2026-12-08 the default
 * PLAYPULSE_BATCH_SIZE is 10,000, but a batch also closes on the 1 s flush interval, so at those
 * rates it holds at most about one second of input. The bound stays as it was before that change.
 */
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
  return lagSlope(series) <= rate * 0.1;
}

/** The least-squares slope of a lag series sampled every 500 ms, in events per second. */
export function lagSlope(series: readonly number[]): number {
  const n = series.length;
  if (n < 2) return 0;
  const mx = (n - 1) / 2;
  const my = series.reduce((a, b) => a + b, 0) / n;
  let cov = 0;
  let vx = 0;
  series.forEach((y, x) => {
    cov += (x - mx) * (y - my);
    vx += (x - mx) ** 2;
  });
  return (cov / vx) * 2;
}

interface Sustained {
  row: BenchRow;
  rate: number;
  /** The confirming run, whose figures the row shows. */
  run: LoadRun;
}

/** What a caller does around each confirming run of the search (the scale-out rows count each run's rows). */
export interface ConfirmHooks {
  /** Right before the run, after the previous run's backlog drained. */
  before?(): Promise<void>;
  /** Right after the run (and its `--verify`, when `confirm` asks for it). */
  after?(run: LoadRun): Promise<void>;
}

/** One confirming run of the search: its rate, and whether the pipeline held it. */
export interface Attempt {
  rate: number;
  /** Lag flat and the load generator's accepted events/s at least 95 % of the rate. */
  held: boolean;
}

/** Steps of 10 % up from the probe's estimate, and of 20 % down from it. */
const SEARCH = { up: 1.1, down: 0.8, maxUps: 8, maxDowns: 2 } as const;

/**
 * The next rate the search confirms, or undefined when it is over. It starts at 90 % of the
 * probe's estimate. While runs hold it steps up 10 % (at most `maxUps` times), because the
 * closed-model probe can stop short of the maximum: its fixed concurrency waits on each
 * request's latency. It stops at the first run that fails after one held; while none has held
 * it steps down 20 % (at most `maxDowns` times).
 */
export function nextRate(
  attempts: readonly Attempt[],
  maxUps: number = SEARCH.maxUps,
  maxDowns: number = SEARCH.maxDowns,
): number | undefined {
  const last = attempts.at(-1);
  if (!last) return undefined;
  const held = attempts.filter((a) => a.held).length;
  if (last.held) return held > maxUps ? undefined : Math.max(last.rate + 1, Math.floor(last.rate * SEARCH.up));
  if (held > 0) return undefined;
  return attempts.length > maxDowns ? undefined : Math.max(1, Math.floor(last.rate * SEARCH.down));
}

/** The attempt a row reports: the fastest that held, else the last tried. */
export function reported<T extends Attempt>(attempts: readonly T[]): T | undefined {
  const held = attempts.filter((a) => a.held);
  if (held.length === 0) return attempts.at(-1);
  return held.reduce((best, a) => (a.rate > best.rate ? a : best));
}

/**
 * Finds the maximum sustainable rate: a closed-model probe gives what the edge accepts and
 * what the consumers drain; open-model runs from 90 % of the lower of the two search up and
 * down from there for the highest rate whose lag stays flat and whose requests keep the pace
 * (`nextRate`). `confirm` goes to the confirming runs only (e.g. `--verify`, which checks after
 * the measured window).
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
  hooks: ConfirmHooks = {},
): Promise<Sustained & { probe: Window }> {
  const base = ["--url", url, "--key", WRITE_KEY, "--batch", String(batch), "--freshness", "off", ...extra];
  const probeMs = h.quick ? h.windowMs : h.windowMs * 1.5;
  const probe = await withLag(h, n, [...base, ...closedArgs(batch), "--duration", `${Math.round(probeMs)}ms`], watch);
  const accepted = probe.run.summary.throughput.accepted_per_s;
  const drained = await drainRate(h, n, probe, 2500);
  const probeNote = `saturation probe: accepted ${Math.round(accepted).toLocaleString("en-US")}/s, consumers ${drainText(drained)}`;
  const attempts: (Attempt & { w: Window; flat: boolean })[] = [];
  for (
    let rate: number | undefined = Math.max(1, Math.floor(Math.min(accepted, drained) * 0.9));
    rate !== undefined;
    rate = nextRate(attempts, h.quick ? 0 : SEARCH.maxUps, h.quick ? 0 : SEARCH.maxDowns)
  ) {
    h.log(`    confirming ${rate.toLocaleString("en-US")} events/s (${probeNote})`);
    await waitDrained(h, n, h.quick ? 2000 : 30_000);
    await hooks.before?.();
    const duration = `${Math.round(h.windowMs * (h.quick ? 1 : 2))}ms`;
    const connections = batch === 1 ? "128" : "32";
    const w = await withLag(
      h,
      n,
      [
        ...base,
        "--no-catalog",
        "--rate",
        String(rate),
        "--connections",
        connections,
        "--duration",
        duration,
        ...confirm,
      ],
      watch,
    );
    await hooks.after?.(w.run);
    const flat = isFlat(w.series, rate, pullers);
    const paced = w.run.summary.throughput.accepted_per_s >= rate * 0.95;
    attempts.push({ rate, held: flat && paced, w, flat });
  }
  const best = reported(attempts);
  if (!best) throw new Error("the search ran no confirming run");
  const { w, rate } = best;
  const search = attempts
    .map((a) => `${a.rate.toLocaleString("en-US")} ${a.held ? "held" : a.flat ? "fell behind the pace" : "lag grew"}`)
    .join(", ");
  const slope = Math.round(lagSlope(w.series));
  const lagNote = `lag ${best.flat ? "flat" : "GREW"} (max ${Math.max(0, ...w.series).toLocaleString("en-US")}, end ${Math.max(...Object.values(w.lagEnd)).toLocaleString("en-US")} events, slope ${slope >= 0 ? "+" : ""}${slope.toLocaleString("en-US")}/s); search: ${search}; ${probeNote}`;
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

const drainText = (d: number) =>
  Number.isFinite(d) ? `drained ${Math.round(d).toLocaleString("en-US")}/s` : "kept up";
