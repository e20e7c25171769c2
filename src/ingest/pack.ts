import { createHash } from "node:crypto";
import type { OutboundMessage, PublishOutcome } from "../bus/index.ts";
import { PACK_HEADER, packLines } from "../events/index.ts";
import type { PlannedPublish } from "./plan.ts";

/** One message to publish and the planned events it carries (their indexes in the plan's publish list). */
export interface Packed {
  message: OutboundMessage;
  members: number[];
}

/**
 * PLAYPULSE_PACK_EVENTS: a request's events for one subject travel as one message, the stored
 * events one per line with `Playpulse-Pack: <count>`. Its `Nats-Msg-Id` is a digest of the
 * source and every event id in it, so a resend of the same request is a duplicate, while the same
 * event in another request is stored again (the store counts it once: docs/benchmarks.md). A
 * subject with one event is sent as before, unpacked, with the event's own id.
 */
export function packBySubject(
  planned: readonly PlannedPublish[],
  subjectOf: (p: PlannedPublish) => string,
  msgIdOf: (p: PlannedPublish) => string,
  headers: Record<string, string> | undefined,
): Packed[] {
  const groups = new Map<string, number[]>();
  planned.forEach((p, i) => {
    const subject = subjectOf(p);
    const g = groups.get(subject);
    if (g) g.push(i);
    else groups.set(subject, [i]);
  });
  const out: Packed[] = [];
  for (const [subject, members] of groups) {
    const first = planned[members[0] ?? 0];
    if (!first) continue;
    if (members.length === 1) {
      out.push({
        message: { subject, msgId: msgIdOf(first), data: first.data, ...(headers ? { headers } : {}) },
        members,
      });
      continue;
    }
    const events = members.map((i) => planned[i] as PlannedPublish);
    const digest = createHash("sha256");
    for (const p of events) digest.update(msgIdOf(p)).update("\n");
    out.push({
      message: {
        subject,
        msgId: `pack:${digest.digest("base64url")}`,
        data: packLines(events.map((p) => p.data)),
        headers: { ...headers, [PACK_HEADER]: String(members.length) },
      },
      members,
    });
  }
  return out;
}

/** Each planned event's outcome: that of the message that carried it. */
export function unpackOutcomes(
  packed: readonly Packed[],
  outcomes: readonly PublishOutcome[],
  count: number,
): PublishOutcome[] {
  const each = new Array<PublishOutcome>(count);
  packed.forEach((p, k) => {
    const o = outcomes[k];
    if (o) for (const i of p.members) each[i] = o;
  });
  return each;
}
