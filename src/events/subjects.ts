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
  /** A consumer's subject filter in this deployment: its registry subject (`user.>`) with the prefix. */
  filter(subject: string): string;
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
    filter: (subject) => `${p}${subject}`,
    streamSubjects: [`${p}user.>`, `${p}video.>`],
    dlq: (consumer, originalSubject) => `${p}dlq.${consumer}.${originalSubject.slice(p.length)}`,
    dlqWildcard: `${p}dlq.>`,
  };
}

/** NATS subject matching: `*` is one token, `>` one or more trailing tokens. */
export function subjectMatches(filter: string, subject: string): boolean {
  const f = filter.split(".");
  const s = subject.split(".");
  for (let i = 0; i < f.length; i++) {
    if (f[i] === ">") return s.length > i;
    if (i >= s.length || (f[i] !== "*" && f[i] !== s[i])) return false;
  }
  return f.length === s.length;
}
