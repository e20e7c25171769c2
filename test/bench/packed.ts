import { usPerEvent } from "./budget.ts";
import type { BenchRow } from "./table.ts";

const fmt = (n: number | null) => (n === null ? "–" : n.toFixed(n >= 10 ? 0 : 1));

/** What the packed row of each batch size packs. */
const PACKED_HOW = {
  100: ["100 events/request", "one message per subject and request (packed)"],
  1: ["1 event/request", "requests held while others are in flight, one message per subject (packed)"],
} as const;

/**
 * The pipeline with and without packs at `batch` events per request (`pipeline.100` beside
 * `pipeline.packed.100`, `pipeline.1` beside `pipeline.packed.1`), side by side: the rate, and
 * each process's µs of CPU per event at it. Empty when either row is missing.
 */
export function renderPackedSideBySide(list: readonly BenchRow[], batch: 1 | 100): string {
  const plain = list.find((r) => r.id === `pipeline.${batch}`);
  const packed = list.find((r) => r.id === `pipeline.packed.${batch}`);
  if (!plain?.eventsPerSec || !packed?.eventsPerSec || plain.error || packed.error) return "";
  const names = [...new Set([...plain.procs, ...packed.procs].map((p) => p.name))];
  const total = (row: BenchRow) => names.reduce((a, n) => a + (usPerEvent(row, n) ?? 0), 0);
  const rate = (n: number) => Math.round(n).toLocaleString("en-US");
  return [
    `Several events per message, side by side (${PACKED_HOW[batch][0]}; µs of CPU per event at each row's maximum):`,
    "",
    `| process | one event per message | ${PACKED_HOW[batch][1]} |`,
    "|---|--:|--:|",
    `| events/s | ${rate(plain.eventsPerSec)} | ${rate(packed.eventsPerSec)} |`,
    ...names.map((n) => `| ${n} | ${fmt(usPerEvent(plain, n))} | ${fmt(usPerEvent(packed, n))} |`),
    `| **all** | **${fmt(total(plain))}** | **${fmt(total(packed))}** |`,
  ].join("\n");
}
