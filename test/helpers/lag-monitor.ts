import { jetstreamManager, type JetStreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { CONSUMER_NAMES, type ConsumerName } from "../../src/consumers/registry.ts";
import { waitFor } from "../../src/local-servers/index.ts";

/** A rig's servers serve nothing else, so the stream keeps its default name. */
const STREAM = "PLAYPULSE";

/**
 * One sample of the consumers' state (undefined fields while NATS is away):
 * - lag: messages not yet acked (num_pending + num_ack_pending), per consumer;
 * - floor: the stream sequence below which analytics and recommendations acked everything;
 * - redeliveries: deliveries beyond the first, summed over analytics and recommendations.
 */
export interface LagSample {
  t: number;
  lag: Record<ConsumerName, number> | undefined;
  floor: number | undefined;
  redeliveries: number | undefined;
}

export interface ConsumerState {
  lag: Record<ConsumerName, number>;
  floor: number;
  redeliveries: number;
  /** The stream's last sequence: every event confirmed so far is at or below it. */
  lastSeq: number;
}

export interface LagMonitor {
  samples: readonly LagSample[];
  /** The largest lag of any consumer in [from, to]. */
  peak(from: number, to?: number): number;
  /**
   * Resolves with the time of the first sample after `after` at which analytics and
   * recommendations have acked every message up to `seq`: everything confirmed before is stored.
   */
  caughtUpAt(seq: number, after: number, timeoutMs: number): Promise<number>;
  current(): Promise<ConsumerState>;
  close(): Promise<void>;
}

/**
 * Samples the three durable consumers every 250 ms. Redeliveries are counted as deliveries
 * (`delivered.consumer_seq`) minus distinct messages delivered: for analytics and
 * recommendations, the stream sequence reached minus the `contentEvents` outside their filter
 * (the catalog, sent first).
 */
export async function startLagMonitor(url: string, contentEvents: number): Promise<LagMonitor> {
  const nc: NatsConnection = await connect({
    servers: url,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    name: "fault-test-lag",
  });
  const jsm: JetStreamManager = await jetstreamManager(nc, { timeout: 2000 });
  const samples: LagSample[] = [];
  let closed = false;

  async function current(): Promise<ConsumerState> {
    const [stream, ...infos] = await Promise.all([
      jsm.streams.info(STREAM),
      ...CONSUMER_NAMES.map((name) => jsm.consumers.info(STREAM, name)),
    ]);
    const lag = { analytics: 0, recommendations: 0, content: 0 };
    let floor = Number.POSITIVE_INFINITY;
    let redeliveries = 0;
    infos.forEach((info, i) => {
      const name = CONSUMER_NAMES[i];
      if (name === undefined || info === undefined) return;
      lag[name] = info.num_pending + info.num_ack_pending;
      if (name === "content") return;
      floor = Math.min(floor, info.ack_floor.stream_seq);
      redeliveries += info.delivered.consumer_seq - Math.max(0, info.delivered.stream_seq - contentEvents);
    });
    return { lag, floor, redeliveries, lastSeq: stream.state.last_seq };
  }

  const loop = (async () => {
    while (!closed) {
      const t = Date.now();
      try {
        const { lag, floor, redeliveries } = await current();
        samples.push({ t, lag, floor, redeliveries });
      } catch {
        samples.push({ t, lag: undefined, floor: undefined, redeliveries: undefined });
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  })();

  const worst = (s: LagSample) => (s.lag === undefined ? 0 : Math.max(...Object.values(s.lag)));

  return {
    samples,
    peak(from, to = Number.POSITIVE_INFINITY) {
      return samples.filter((s) => s.t >= from && s.t <= to).reduce((m, s) => Math.max(m, worst(s)), 0);
    },
    caughtUpAt(seq, after, timeoutMs) {
      return waitFor(() => samples.find((s) => s.t > after && s.floor !== undefined && s.floor >= seq)?.t, {
        timeoutMs,
        what: `analytics and recommendations to ack stream sequence ${seq}`,
      });
    },
    current,
    async close() {
      closed = true;
      await loop;
      await nc.close();
    },
  };
}
