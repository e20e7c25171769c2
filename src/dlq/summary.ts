import type { DeadLetter } from "./entries.ts";

export interface DlqSummary {
  total: number;
  byConsumer: Record<string, number>;
  /** By original subject without the deployment prefix (the event type). */
  bySubject: Record<string, number>;
  /** By error text, cut to 160 characters. */
  byError: Record<string, number>;
}

/** Counts dead letters as they stream past; `add` one at a time, `result` at the end. */
export function createSummary(prefix: string) {
  const s: DlqSummary = { total: 0, byConsumer: {}, bySubject: {}, byError: {} };
  const bump = (m: Record<string, number>, k: string) => {
    m[k] = (m[k] ?? 0) + 1;
  };
  return {
    add(d: DeadLetter): void {
      s.total++;
      bump(s.byConsumer, d.consumer);
      bump(
        s.bySubject,
        d.originalSubject.startsWith(prefix) ? d.originalSubject.slice(prefix.length) : d.originalSubject,
      );
      bump(s.byError, d.error.slice(0, 160));
    },
    result(): DlqSummary {
      const sorted = (m: Record<string, number>) =>
        Object.fromEntries(Object.entries(m).sort(([a, x], [b, y]) => y - x || (a < b ? -1 : a > b ? 1 : 0)));
      return {
        total: s.total,
        byConsumer: sorted(s.byConsumer),
        bySubject: sorted(s.bySubject),
        byError: sorted(s.byError),
      };
    },
  };
}
