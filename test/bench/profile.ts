import { readdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number }[];
  samples?: number[];
}

export interface HotSpot {
  fn: string;
  selfPct: number;
}

/** The functions with the most self time in a V8 `.cpuprofile` (what `node --cpu-prof` writes). */
export function hotSpots(profile: CpuProfile, top = 12): HotSpot[] {
  const byFn = new Map<string, number>();
  let total = 0;
  for (const n of profile.nodes) {
    const hits = n.hitCount ?? 0;
    if (hits === 0) continue;
    const f = n.callFrame;
    const where = f.url ? ` ${basename(f.url)}:${f.lineNumber + 1}` : "";
    const key = `${f.functionName || "(anonymous)"}${where}`;
    byFn.set(key, (byFn.get(key) ?? 0) + hits);
    total += hits;
  }
  return [...byFn.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([fn, hits]) => ({ fn, selfPct: Math.round((hits / Math.max(1, total)) * 1000) / 10 }));
}

/** A Markdown section with the hot spots of every profile in `dir`. */
export function summarizeProfiles(dir: string): string {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith(".cpuprofile"))
    .sort();
  const parts = files.map((f) => {
    const spots = hotSpots(JSON.parse(readFileSync(join(dir, f), "utf8")) as CpuProfile);
    return [
      `**${f}** (self time)`,
      "",
      "| function | self % |",
      "|---|--:|",
      ...spots.map((s) => `| \`${s.fn.replaceAll("|", "/")}\` | ${s.selfPct} |`),
    ].join("\n");
  });
  return parts.length === 0 ? "(no profiles were written)" : parts.join("\n\n");
}
