import type { MetricName, Metrics } from "./types.ts";

export interface MetricInfo {
  label: string;
  /** Which way is worse: "up" when a rise is bad (failure rate), "down" when a fall is (completion rate). */
  worse: "up" | "down" | "none";
  format: (v: number) => string;
}

const pct = (v: number) => `${(v * 100).toFixed(v !== 0 && Math.abs(v) < 0.01 ? 2 : 1)} %`;
const ms = (v: number) => (v >= 10_000 ? `${(v / 1000).toFixed(1)} s` : `${Math.round(v)} ms`);
const count = (v: number) => Math.round(v).toLocaleString("en-US");
const duration = (v: number) => {
  const h = v / 3_600_000;
  return h >= 1 ? `${h.toFixed(1)} h` : `${(v / 60_000).toFixed(1)} min`;
};

export const METRICS: Record<MetricName, MetricInfo> = {
  views: { label: "Views", worse: "none", format: count },
  plays: { label: "Plays", worse: "none", format: count },
  unique_viewers: { label: "Unique viewers", worse: "none", format: count },
  watch_time_ms: { label: "Watch time", worse: "none", format: duration },
  completions: { label: "Completions", worse: "none", format: count },
  completion_rate: { label: "Completion rate", worse: "down", format: pct },
  startup_ms_p50: { label: "Startup p50", worse: "up", format: ms },
  startup_ms_p95: { label: "Startup p95", worse: "up", format: ms },
  rebuffer_ratio: { label: "Rebuffer ratio", worse: "up", format: pct },
  exits_before_start: { label: "Exits before start", worse: "up", format: count },
  failures: { label: "Failures", worse: "up", format: count },
  failure_rate: { label: "Failure rate", worse: "up", format: pct },
};

export function show(metric: MetricName, v: number | null | undefined): string {
  return v === null || v === undefined ? "—" : METRICS[metric].format(v);
}

export type Change = { text: string; tone: "worse" | "better" | "same" | "none" };

/** The change from the previous period, and whether it is for the worse. */
export function change(metric: MetricName, now: number | null, before: number | null): Change {
  if (now === null || before === null) return { text: "no previous value", tone: "none" };
  if (now === before) return { text: "no change", tone: "same" };
  const rel = before === 0 ? null : (now - before) / Math.abs(before);
  const arrow = now > before ? "▲" : "▼";
  const text = rel === null ? `${arrow} from ${show(metric, before)}` : `${arrow} ${Math.abs(rel * 100).toFixed(1)} %`;
  const worse = METRICS[metric].worse;
  if (worse === "none") return { text, tone: "none" };
  const bad = (worse === "up") === now > before;
  return { text: `${text} vs previous`, tone: bad ? "worse" : "better" };
}

/** True when `row` is at least 3× worse than `total` with enough views behind it. */
export function isOutlier(metric: MetricName, row: Metrics, total: Metrics): boolean {
  const info = METRICS[metric];
  const v = row[metric];
  const t = total[metric];
  if (info.worse === "none" || v === null || t === null) return false;
  if (row.views < Math.max(5, total.views * 0.01)) return false;
  const eps = 1e-9; // 0.3 is 3 × 0.1 here, whatever binary floating point says
  if (info.worse === "up") return t === 0 ? v > 0 : v >= 3 * t * (1 - eps);
  return t > 0 && v <= (t / 3) * (1 + eps);
}

/** Bytes in binary units: "812 B", "3.4 KiB", "1.21 GiB". */
export function bytesText(v: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let x = v;
  let i = 0;
  while (x >= 1024 && i < units.length - 1) {
    x /= 1024;
    i++;
  }
  return i === 0 ? `${x} B` : `${x.toFixed(x < 10 ? 2 : 1)} ${units[i] ?? "B"}`;
}

export const isoShort = (iso: string) => iso.replace("T", " ").replace(/\.\d+Z$/, " UTC");
