import { usPerEvent } from "./budget.ts";
import type { BenchRow } from "./table.ts";

const fmt = (n: number | null) => (n === null ? "–" : n.toFixed(n >= 10 ? 0 : 1));

/**
 * The batched pipeline with and without packs (`pipeline.100`, `pipeline.packed.100`), side by
 * side: the rate, and each process's µs of CPU per event at it. Empty when either row is missing.
 */
export function renderPackedSideBySide(list: readonly BenchRow[]): string {
  const plain = list.find((r) => r.id === "pipeline.100");
  const packed = list.find((r) => r.id === "pipeline.packed.100");
  if (!plain?.eventsPerSec || !packed?.eventsPerSec || plain.error || packed.error) return "";
  const names = [...new Set([...plain.procs, ...packed.procs].map((p) => p.name))];
  const total = (row: BenchRow) => names.reduce((a, n) => a + (usPerEvent(row, n) ?? 0), 0);
  const rate = (n: number) => Math.round(n).toLocaleString("en-US");
  return [
    "Several events per message, side by side (100 events/request; µs of CPU per event at each row's maximum):",
    "",
    "| process | one event per message | one message per subject and request (packed) |",
    "|---|--:|--:|",
    `| events/s | ${rate(plain.eventsPerSec)} | ${rate(packed.eventsPerSec)} |`,
    ...names.map((n) => `| ${n} | ${fmt(usPerEvent(plain, n))} | ${fmt(usPerEvent(packed, n))} |`),
    `| **all** | **${fmt(total(plain))}** | **${fmt(total(packed))}** |`,
  ].join("\n");
}
