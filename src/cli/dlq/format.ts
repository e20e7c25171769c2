import type { DeadLetter, DlqSummary } from "../../dlq/index.ts";

/** One dead letter as `--json` prints it; `subject` is the event type (the prefix cut off). */
export function entryJson(d: DeadLetter, prefix: string) {
  return {
    seq: d.seq,
    consumer: d.consumer,
    subject: d.originalSubject.startsWith(prefix) ? d.originalSubject.slice(prefix.length) : d.originalSubject,
    original_subject: d.originalSubject,
    original_seq: d.originalSeq,
    msg_id: d.msgId ?? null,
    attempts: d.attempts,
    error: d.error,
    dead_lettered_at: d.deadLetteredAt,
    stored_at: d.storedAt,
  };
}

/** Left-aligned columns, two spaces apart; the last column is not padded. */
export function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length))) ?? [];
  return rows
    .map((r) =>
      r
        .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

function counts(title: string, m: Record<string, number>): string {
  const entries = Object.entries(m);
  if (entries.length === 0) return "";
  return `${title}:\n${table(entries.map(([k, n]) => ["  " + String(n), k]))}\n`;
}

/** The counts that head `playpulse dlq list`. */
export function summaryText(s: DlqSummary, stream: string): string {
  return `dead letters: ${s.total} (stream ${stream})\n${counts("by consumer", s.byConsumer)}${counts("by event type", s.bySubject)}${counts("by error", s.byError)}`;
}
