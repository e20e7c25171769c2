import {
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
} from "@nats-io/jetstream";
import { domainApi, ensureStream } from "../../bus/index.ts";
import { nanos, type NatsConnection } from "@nats-io/transport-node";
import { quarantineStreamName, quarantineWildcard } from "../../events/index.ts";

export interface QuarantineStreamSettings {
  /** The event stream's name; the quarantine stream is `<name>_QUARANTINE`. */
  name: string;
  /** SubjectNames.prefix: "" or "ns.". */
  prefix: string;
  maxBytes: number;
  maxAgeMs: number;
  replicas: number;
  ackWaitMs: number;
  /** PLAYPULSE_REGION ("" for none) and PLAYPULSE_SOURCE_REGIONS, as for the event stream (docs/regions.md). */
  region?: string;
  sourceRegions?: readonly string[];
}

/**
 * Creates or updates the quarantine stream and its durable consumer. The stream drops its oldest
 * records when full (DiscardPolicy.Old): a flood of bad input can never block anything.
 *
 * With regions (docs/regions.md#quarantine-in-every-region): each region's edge quarantines into
 * its own region's stream, which has no durable there; the analytics region's quarantine stream
 * also sources every other region's (same name, through `$JS.<region>.API`), and its durable
 * stores them all.
 */
export async function provisionQuarantine(nc: NatsConnection, s: QuarantineStreamSettings): Promise<void> {
  const jsm = await jetstreamManager(nc, { timeout: 10_000 });
  const name = quarantineStreamName(s.name);
  const region = s.region ?? "";
  const others = (s.sourceRegions ?? []).filter((r) => r !== region);
  const sources = others.map((r) => ({ name, external: { api: domainApi(r), deliver: "" } }));
  await ensureStream(jsm, {
    name,
    subjects: [quarantineWildcard(s.prefix)],
    ...(sources.length > 0 ? { sources } : {}),
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    max_bytes: s.maxBytes,
    max_age: nanos(s.maxAgeMs),
    num_replicas: s.replicas,
  });
  // A region without analytics only stores: the analytics region sources and consumes its records.
  if (region !== "" && (s.sourceRegions ?? []).length === 0) return;
  const consumer = await jsm.consumers.info(name, "quarantine").catch(() => undefined);
  if (consumer === undefined) {
    await jsm.consumers.add(name, {
      durable_name: "quarantine",
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: nanos(s.ackWaitMs),
      max_ack_pending: 1000,
      max_deliver: -1,
    });
  }
}
