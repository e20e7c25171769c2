/**
 * Consumer lag during a bench load run, in events (./e2e.ts's search reads it to judge whether a
 * rate holds).
 */
import { consumerLag, PLAY_DURABLES, runLoadgen, type Harness, type LoadRun, type Namespace } from "./harness.ts";

/**
 * A consumer's lag is counted in messages (`num_pending + num_ack_pending`), and a packed message
 * carries several events. The window's lags are in events: the messages times the events the
 * window's messages carried on average (accepted events ÷ messages the stream stored meanwhile).
 * Until 2026-12-08 they were compared in messages against rates in events, which let a packed run
 * whose backlog grew by thousands of events a second pass as flat (docs/benchmarks.md).
 */
export interface Window {
  run: LoadRun;
  secs: number;
  /** Events per stored message in this window: 1 without packs. */
  eventsPerMessage: number;
  lagStart: Record<string, number>;
  lagEnd: Record<string, number>;
  series: number[];
}

/** Messages the stream has stored so far (its last sequence). */
const lastSeq = async (h: Harness, n: Namespace) => (await h.jsm.streams.info(n.stream)).state.last_seq;

/** The events per message of a window that stored `messages` messages for `events` accepted events. */
export function eventsPerMessage(events: number, messages: number): number {
  return messages > 0 && events > messages ? events / messages : 1;
}

export const inEvents = (lag: Record<string, number>, perMessage: number) =>
  Object.fromEntries(Object.entries(lag).map(([k, v]) => [k, Math.round(v * perMessage)]));

/** A load run that also records consumer lag at the window's start, end, and every 500 ms (in events). */
export async function withLag(
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
  let [seq0, seq1] = [0, 0];
  const maxLag = async () => Math.max(...Object.values(await consumerLag(h, n.stream, PLAY_DURABLES)));
  const run = await runLoadgen(h, args, watch, async (phase) => {
    if (phase === "start") {
      t0 = performance.now();
      seq0 = await lastSeq(h, n);
      lagStart = await consumerLag(h, n.stream, PLAY_DURABLES);
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
      lagEnd = await consumerLag(h, n.stream, PLAY_DURABLES);
      seq1 = await lastSeq(h, n);
    }
  });
  const perMessage = eventsPerMessage(run.summary.events.accepted, seq1 - seq0);
  return {
    run,
    secs: (t1 - t0) / 1000,
    eventsPerMessage: perMessage,
    lagStart: inEvents(lagStart, perMessage),
    lagEnd: inEvents(lagEnd, perMessage),
    series: series.map((l) => Math.round(l * perMessage)),
  };
}
