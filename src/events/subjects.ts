import type { EventType } from "./types.ts";

/**
 * Subject names. With an empty prefix the subject is the event type itself
 * (`user.video.played`); a prefix (`t1a2b.`) isolates tenants or tests sharing a server.
 */
export interface SubjectNames {
  prefix: string;
  forType(type: EventType): string;
  /** The event type of a subject, or undefined when the subject is not ours. */
  typeOf(subject: string): string | undefined;
  /** Wildcard filters of the three consumers. */
  filters: { analytics: string; recommendations: string; content: string };
  streamSubjects: string[];
  dlq(consumer: string, originalSubject: string): string;
  dlqWildcard: string;
}

export function subjectNames(prefix = ""): SubjectNames {
  const p = prefix === "" ? "" : `${prefix}.`;
  return {
    prefix: p,
    forType: (type) => `${p}${type}`,
    typeOf: (subject) => (subject.startsWith(p) ? subject.slice(p.length) : undefined),
    filters: {
      analytics: `${p}user.>`,
      recommendations: `${p}user.video.*`,
      content: `${p}video.>`,
    },
    streamSubjects: [`${p}user.>`, `${p}video.>`],
    dlq: (consumer, originalSubject) => `${p}dlq.${consumer}.${originalSubject.slice(p.length)}`,
    dlqWildcard: `${p}dlq.>`,
  };
}
