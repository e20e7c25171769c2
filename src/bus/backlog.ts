import { jetstreamManager, type JetStreamManager } from "@nats-io/jetstream";
import type { Authenticator } from "@nats-io/nats-core";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import type { BacklogReader, ConsumerBacklog, SourceLag } from "../telemetry/consumer-backlog.ts";

export type { BacklogReader, ConsumerBacklog, StreamSize, SourceLag } from "../telemetry/consumer-backlog.ts";

export interface BacklogOptions {
  /** The NATS connection, or undefined while there is none. */
  connection: () => Promise<NatsConnection | undefined>;
  stream: string;
  dlqStream: string;
  /** Subject filter of a consumer's dead letters in the DLQ stream. */
  dlqFilter: (consumer: string) => string;
  consumers: readonly string[];
  /** The region of a source stream of `stream` (docs/regions.md); undefined when none is. */
  regionOf?: (sourceStream: string) => string | undefined;
  timeoutMs?: number;
}

export class BacklogUnavailableError extends Error {
  override name = "BacklogUnavailableError";
}

/**
 * Reads consumer lag from JetStream: `num_pending + num_ack_pending` from consumer info, the
 * age of the first unprocessed message (the stream message matching the consumer's filter at
 * or after its ack floor + 1, fetched with `next_by_subj`), the dead letters per consumer, and
 * the stream's size (messages and bytes).
 * Used by `/metrics` (sampled on scrape) and `GET /v1/lag`.
 *
 * @example
 * const reader = createBacklogReader({ connection: async () => bus.nc, stream: "PLAYPULSE", dlqStream: "PLAYPULSE_DLQ", dlqFilter: (c) => `dlq.${c}.>`, consumers: ["analytics"] });
 * const [analytics] = await reader.read();
 */
export function createBacklogReader(opts: BacklogOptions): BacklogReader {
  const timeout = opts.timeoutMs ?? 5000;
  let cached: { nc: NatsConnection; jsm: Promise<JetStreamManager> } | undefined;

  async function manager(): Promise<JetStreamManager> {
    const nc = await opts.connection();
    if (!nc || nc.isClosed()) throw new BacklogUnavailableError("not connected to NATS");
    if (cached?.nc !== nc) cached = { nc, jsm: jetstreamManager(nc, { timeout, checkAPI: false }) };
    return cached.jsm;
  }

  async function readOne(jsm: JetStreamManager, consumer: string): Promise<ConsumerBacklog> {
    const [info, dlq] = await Promise.all([
      jsm.consumers.info(opts.stream, consumer),
      jsm.streams.info(opts.dlqStream, { subjects_filter: opts.dlqFilter(consumer) }).catch(() => undefined),
    ]);
    const filterSubject = info.config.filter_subject ?? ">";
    let oldest: ConsumerBacklog["oldest"] = null;
    if (info.num_pending + info.num_ack_pending > 0) {
      // A plain `{ seq }` request typed as MsgRequest; the server also honours next_by_subj (nats-server >= 2.9).
      const query = { seq: info.ack_floor.stream_seq + 1, next_by_subj: filterSubject };
      const m = await jsm.streams.getMessage(opts.stream, query);
      if (m) oldest = { seq: m.seq, subject: m.subject, storedAt: m.time.getTime() };
    }
    const deadLetters = Object.values(dlq?.state.subjects ?? {}).reduce((a, b) => a + b, 0);
    return {
      consumer,
      filterSubject,
      numPending: info.num_pending,
      numAckPending: info.num_ack_pending,
      ackFloorSeq: info.ack_floor.stream_seq,
      oldest,
      deadLetters,
    };
  }

  return {
    async read(consumers = opts.consumers) {
      const jsm = await manager();
      return Promise.all(consumers.map((c) => readOne(jsm, c)));
    },
    async streamSize() {
      const { state } = await (await manager()).streams.info(opts.stream);
      return { stream: opts.stream, messages: state.messages, bytes: state.bytes };
    },
    async sources(): Promise<SourceLag[]> {
      const info = await (await manager()).streams.info(opts.stream);
      return (info.sources ?? []).map((s) => ({
        region: opts.regionOf?.(s.name) ?? "",
        stream: s.name,
        lag: s.lag,
        activeMs: s.active < 0 ? null : Math.round(s.active / 1e6),
        error: s.error?.description ?? null,
      }));
    },
  };
}

export interface LazyConnection {
  /** The connection, connecting first if needed; undefined when NATS cannot be reached now. */
  get(): Promise<NatsConnection | undefined>;
  close(): Promise<void>;
}

/**
 * A NATS connection made on first use and retried on the next use when it fails, for roles
 * that only read from NATS now and then (the query role's `GET /v1/lag`): they start, and
 * report ready, without NATS.
 */
export function lazyNatsConnection(
  url: string,
  name: string,
  timeoutMs = 2000,
  authenticator?: Authenticator,
): LazyConnection {
  let nc: NatsConnection | undefined;
  let pending: Promise<NatsConnection | undefined> | undefined;
  let closed = false;
  return {
    get() {
      if (closed) return Promise.resolve(undefined);
      if (nc && !nc.isClosed()) return Promise.resolve(nc);
      pending ??= connect({
        servers: url.split(","),
        name,
        timeout: timeoutMs,
        ...(authenticator ? { authenticator } : {}),
        maxReconnectAttempts: -1,
        reconnectTimeWait: 1000,
      })
        .then(
          (c) => {
            if (closed) {
              void c.close();
              return undefined;
            }
            nc = c;
            return c;
          },
          () => undefined,
        )
        .finally(() => {
          pending = undefined;
        });
      return pending;
    },
    async close() {
      closed = true;
      await pending;
      if (nc && !nc.isClosed()) await nc.close();
    },
  };
}
