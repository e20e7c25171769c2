import type { Verification } from "../../src/load/index.ts";

/** One table's rows of a run, as ClickHouse holds them: distinct ids, rows, and ids stored more than once. */
export interface StoredCount {
  table: string;
  distinct: number;
  rows: number;
  /** Ids with more than one row. */
  repeated: number;
}

/** Per table: what the run had accepted, stored exactly once, lost, and stored again (extra rows). */
export interface OnceLine {
  table: string;
  accepted: number;
  once: number;
  lost: number;
  doubled: number;
  unexpected: number;
}

export interface OnceOutcome {
  ok: boolean;
  lines: OnceLine[];
  note: string;
}

const int = (n: number) => n.toLocaleString("en-US");
const text = (l: OnceLine) =>
  `${int(l.accepted)} accepted, ${int(l.once)} stored once, ${int(l.lost)} lost, ${int(l.doubled)} doubled${l.unexpected > 0 ? `, ${int(l.unexpected)} never sent` : ""}`;

/**
 * Sets `playpulse load --verify` (ids missing or never sent, per table) beside the row counts of
 * the same ids, so a delivery stored twice shows even though --verify compares distinct ids. OK
 * when every table holds every accepted id exactly once and --verify found the titles right.
 *
 * @example
 * const o = verifiedOnce(summary.verify, [{ table: "events", distinct: 500, rows: 500, repeated: 0 }]);
 * o.note; // "verify: 500 accepted, 500 stored once, 0 lost, 0 doubled in events"
 */
export function verifiedOnce(v: Verification | null, counts: readonly StoredCount[]): OnceOutcome {
  if (v === null) return { ok: false, lines: [], note: "verify: the load generator did not verify" };
  const lines = counts.map((c): OnceLine => {
    const check = v.ids.find((i) => i.table === c.table);
    return {
      table: c.table,
      accepted: check?.expected ?? 0,
      once: c.distinct - c.repeated,
      lost: check?.missing ?? 0,
      doubled: c.rows - c.distinct,
      unexpected: check?.unexpected ?? 0,
    };
  });
  const ok =
    v.ok &&
    lines.length > 0 &&
    lines.every((l) => l.lost === 0 && l.doubled === 0 && l.unexpected === 0 && l.once === l.accepted);
  const first = lines[0];
  const same = first !== undefined && lines.every((l) => text(l) === text(first));
  const body = same
    ? `${text(first)} in ${lines.map((l) => l.table).join(" and ")}`
    : lines.map((l) => `${l.table}: ${text(l)}`).join("; ");
  const titles = v.titleDiffs.length > 0 ? `; ${v.titleDiffs.length} of ${v.titlesChecked} titles differ` : "";
  return { ok, lines, note: `verify: ${body}${titles}` };
}
