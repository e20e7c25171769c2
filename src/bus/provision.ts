import {
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
} from "@nats-io/jetstream";
import type { JetStreamManager, StreamConfig } from "@nats-io/jetstream";
import { nanos, type NatsConnection } from "@nats-io/transport-node";
import type { SubjectNames } from "../events/index.ts";
import { AGGREGATE_DUPLICATE_WINDOW_MS, streamLayout } from "./regions.ts";

export interface StreamSettings {
  name: string;
  maxBytes: number;
  maxAgeMs: number;
  replicas: number;
  duplicateWindowMs: number;
  /** PLAYPULSE_REGION ("" for none) and PLAYPULSE_SOURCE_REGIONS: which streams live here (./regions.ts). */
  region?: string;
  sourceRegions?: readonly string[];
}

export interface ConsumerSettings {
  ackWaitMs: number;
  maxAckPending: number;
  /** The durables to create or update (the consumer registry's entries). */
  durables: readonly DurableConsumer[];
}

/**
 * The subjects provisioning needs: the stream's subjects, a durable's filter in this deployment
 * and the dead-letter wildcard. Playpulse passes its `SubjectNames`; another application on the
 * same bus (examples/shop) passes its own.
 */
export type BusSubjects = Pick<SubjectNames, "streamSubjects" | "filter" | "dlqWildcard">;

/** A durable consumer to provision: its name and its subject filter without the deployment prefix. */
export interface DurableConsumer {
  name: string;
  subject: string;
}

/** How long a dead letter is kept (the dead-letter stream's max_age). */
export const DLQ_MAX_AGE_MS = 30 * 24 * 3600_000;

export function dlqStreamName(stream: string): string {
  return `${stream}_DLQ`;
}

/** Creates the stream, or updates it to `cfg` when it exists. */
export async function ensureStream(
  jsm: JetStreamManager,
  cfg: Partial<StreamConfig> & { name: string },
): Promise<void> {
  const exists = await jsm.streams.info(cfg.name).then(
    () => true,
    (err: unknown) => {
      if (err instanceof Error && /not found/i.test(err.message)) return false;
      throw err;
    },
  );
  if (exists) await jsm.streams.update(cfg.name, cfg);
  else await jsm.streams.add(cfg);
}

/** The settings every event stream shares, regional or aggregate. */
function eventStreamConfig(stream: StreamSettings): Partial<StreamConfig> {
  return {
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.New,
    max_bytes: stream.maxBytes,
    max_age: nanos(stream.maxAgeMs),
    duplicate_window: nanos(stream.duplicateWindowMs),
    num_replicas: stream.replicas,
  };
}

/**
 * Creates or updates the event streams, the dead-letter stream and one durable pull consumer
 * per entry of `consumers.durables`. With regions (docs/regions.md) a region gets its regional
 * stream only, and the analytics region the aggregate stream sourcing every region's, with the
 * DLQ and durables on it. Safe to run any number of times, from any number of processes.
 */
export async function provisionBus(
  nc: NatsConnection,
  subjects: BusSubjects,
  stream: StreamSettings,
  consumers: ConsumerSettings,
): Promise<void> {
  const jsm = await jetstreamManager(nc, { timeout: 10_000 });
  const layout = streamLayout({
    name: stream.name,
    region: stream.region ?? "",
    sourceRegions: stream.sourceRegions ?? [],
  });
  for (const name of layout.regional) {
    await ensureStream(jsm, { ...eventStreamConfig(stream), name, subjects: subjects.streamSubjects });
  }
  if (layout.consumed === undefined) return;
  const { sources } = layout.consumed;
  await ensureStream(jsm, {
    ...eventStreamConfig(stream),
    name: stream.name,
    ...(sources
      ? { sources, duplicate_window: nanos(AGGREGATE_DUPLICATE_WINDOW_MS) }
      : { subjects: subjects.streamSubjects }),
  });
  await ensureStream(jsm, {
    name: dlqStreamName(stream.name),
    subjects: [subjects.dlqWildcard],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.New,
    max_age: nanos(DLQ_MAX_AGE_MS),
    duplicate_window: nanos(stream.duplicateWindowMs),
    num_replicas: stream.replicas,
  });
  for (const { name, subject } of consumers.durables) {
    const config = {
      durable_name: name,
      filter_subject: subjects.filter(subject),
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: nanos(consumers.ackWaitMs),
      max_ack_pending: consumers.maxAckPending,
      max_deliver: -1,
    };
    const existing = await jsm.consumers.info(stream.name, name).catch(() => undefined);
    if (existing === undefined) await jsm.consumers.add(stream.name, config);
    else
      await jsm.consumers.update(stream.name, name, {
        ack_wait: config.ack_wait,
        max_ack_pending: config.max_ack_pending,
      });
  }
}
