import type { OutboundMessage, PublishOutcome } from "../../bus/index.ts";
import {
  bodyQuarantineRecord,
  encodeQuarantineRecord,
  itemQuarantineRecords,
  quarantineSubject,
  type QuarantineRecord,
  type QuarantineSink,
} from "../../events/index.ts";

export interface QuarantineSinkDeps {
  /** The edge's pipelined JetStream publisher. */
  publish(messages: readonly OutboundMessage[]): Promise<PublishOutcome[]>;
  /** SubjectNames.prefix: "" or "ns.". */
  prefix: string;
  maxPayloadBytes: number;
  /** Told about records JetStream did not store, and about bugs in building them. */
  onError(err: unknown, lost: number): void;
  newId?: (now: number) => string;
}

/**
 * The edge's quarantine: builds a record per rejected item (or rejected body) and publishes it
 * to `<prefix>quarantine.<kind>` without waiting. Fire-and-forget is deliberate: the answer to
 * the client does not depend on it, and a broker outage already answers 503 for the events
 * that matter. Graceful shutdown still waits for these publishes (the publisher's close).
 */
export function createQuarantineSink(deps: QuarantineSinkDeps): QuarantineSink {
  const send = (records: QuarantineRecord[]) => {
    if (records.length === 0) return;
    const messages = records.map((r) => ({
      subject: quarantineSubject(deps.prefix, r.kind),
      msgId: r.id,
      data: encodeQuarantineRecord(r),
    }));
    void deps.publish(messages).then(
      (outcomes) => {
        const lost = outcomes.filter((o) => o.status === "failed");
        if (lost.length > 0)
          deps.onError(
            new Error(`quarantine publish failed: ${lost[0]?.status === "failed" ? lost[0].message : ""}`),
            lost.length,
          );
      },
      (err: unknown) => deps.onError(err, records.length),
    );
  };
  const ctx = (contentType: string, receivedAt: number) => ({
    receivedAt,
    contentType,
    maxPayloadBytes: deps.maxPayloadBytes,
    ...(deps.newId ? { newId: deps.newId } : {}),
  });
  return {
    items(body, items, results, contentType, receivedAt) {
      try {
        send(itemQuarantineRecords(body, items, results, ctx(contentType, receivedAt)));
      } catch (err: unknown) {
        deps.onError(err, 0);
      }
    },
    body(body, code, reason, contentType, receivedAt) {
      try {
        send([bodyQuarantineRecord(body, code, reason, ctx(contentType, receivedAt))]);
      } catch (err: unknown) {
        deps.onError(err, 0);
      }
    },
  };
}
