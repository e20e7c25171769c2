import { eventCount, type BodyView, type DeadLetter, type DlqSummary, type PayloadView } from "../../dlq/index.ts";

/**
 * One dead letter as `--json` prints it; `subject` is the event type (the prefix cut off), and
 * `events` the number it holds (a pack's, PLAYPULSE_PACK_EVENTS; 1 for any other message).
 */
export function entryJson(d: DeadLetter, prefix: string) {
  return {
    seq: d.seq,
    consumer: d.consumer,
    subject: d.originalSubject.startsWith(prefix) ? d.originalSubject.slice(prefix.length) : d.originalSubject,
    original_subject: d.originalSubject,
    original_seq: d.originalSeq,
    events: eventCount(d.data, d.headers),
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

function bodyText(b: BodyView): string {
  return b.encoding === "json" ? JSON.stringify(b.value, null, 2) : b.value;
}

/**
 * The payload part of `playpulse dlq show`: its heading, then the body pretty-printed, or for a
 * pack each event numbered with its own encoding (a line that is not JSON is shown as text).
 *
 * @example
 * payloadText(payloadView(d.data, d.headers), d.data.byteLength);
 * // payload (pack of 2 events, 180 bytes):\nevent 1 (json):\n{…}\nevent 2 (utf8):\nnot json
 */
export function payloadText(p: PayloadView, bytes: number): string {
  if (p.encoding !== "pack") return `payload (${p.encoding}, ${bytes} bytes):\n${bodyText(p)}`;
  const n = p.events.length;
  return [
    `payload (pack of ${n} event${n === 1 ? "" : "s"}, ${bytes} bytes):`,
    ...p.events.map((e, i) => `event ${i + 1} (${e.encoding}):\n${bodyText(e)}`),
  ].join("\n");
}
