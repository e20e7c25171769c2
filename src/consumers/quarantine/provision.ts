import {
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
} from "@nats-io/jetstream";
import { ensureStream } from "../../bus/index.ts";
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
}

/**
 * Creates or updates the quarantine stream and its durable consumer. The stream drops its oldest
 * records when full (DiscardPolicy.Old): a flood of bad input can never block anything.
 */
export async function provisionQuarantine(nc: NatsConnection, s: QuarantineStreamSettings): Promise<void> {
  const jsm = await jetstreamManager(nc, { timeout: 10_000 });
  const name = quarantineStreamName(s.name);
  await ensureStream(jsm, {
    name,
    subjects: [quarantineWildcard(s.prefix)],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    max_bytes: s.maxBytes,
    max_age: nanos(s.maxAgeMs),
    num_replicas: s.replicas,
  });
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
