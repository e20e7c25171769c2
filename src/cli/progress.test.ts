import { describe, expect, it } from "vitest";
import { createProgress, createStatusLine, formatDuration, formatProgress } from "./progress.ts";

describe("formatDuration", () => {
  it.each([
    [0, "0s"],
    [1499, "1s"],
    [59_000, "59s"],
    [60_000, "1m00s"],
    [3_599_000, "59m59s"],
    [3_600_000, "1h00m"],
    [7_380_000, "2h03m"],
  ])("%i ms is %s", (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});

describe("formatProgress", () => {
  it.each([
    [
      { label: "replay analytics", done: 12_000, fraction: 0.4, elapsedMs: 4000 },
      "replay analytics: 12,000 messages, 40.0%, 3,000 messages/s, ETA 6s",
    ],
    [
      { label: "replay content", done: 10, fraction: 1, elapsedMs: 2000 },
      "replay content: 10 messages, 100.0%, 5 messages/s",
    ],
    [
      { label: "redriving", done: 300, fraction: undefined, elapsedMs: 1500, unit: "dead letters" },
      "redriving: 300 dead letters, 200 dead letters/s",
    ],
    [{ label: "x", done: 0, fraction: 0, elapsedMs: 0 }, "x: 0 messages, 0.0%"],
  ])("%j", (state, line) => {
    expect(formatProgress(state)).toBe(line);
  });
});

describe("createProgress", () => {
  it("prints at most once per interval, and a final line", () => {
    let t = 0;
    const lines: string[] = [];
    const p = createProgress({ label: "replay", write: (s) => lines.push(s), now: () => t, intervalMs: 1000 });
    t = 500;
    p.update(50, 0.25);
    t = 1000;
    p.update(100, 0.5);
    t = 1500;
    p.update(150, 0.75);
    t = 2000;
    p.finish(200, 1);
    expect(lines).toEqual([
      "replay: 100 messages, 50.0%, 100 messages/s, ETA 1s\n",
      "replay: 200 messages, 100.0%, 100 messages/s\n",
    ]);
  });

  it("rewrites the line in place on a terminal, and stays silent for short work when asked", () => {
    let t = 0;
    const lines: string[] = [];
    const p = createProgress({
      label: "purging",
      write: (s) => lines.push(s),
      now: () => t,
      tty: true,
      finalLine: false,
      unit: "dead letters",
    });
    t = 200;
    p.finish(3);
    expect(lines).toEqual([]);
    t = 1200;
    p.update(10);
    p.finish(12);
    expect(lines).toEqual([
      "\rpurging: 10 dead letters, 8 dead letters/s\x1b[K",
      "\rpurging: 12 dead letters, 10 dead letters/s\x1b[K\n",
    ]);
  });
});

describe("createStatusLine", () => {
  it("rewrites the line on a terminal and clears it at the end", () => {
    const out: string[] = [];
    const status = createStatusLine({ write: (s) => out.push(s), tty: true });
    status("a");
    status("b");
    status("", true);
    expect(out).toEqual(["\r\x1b[Ka", "\r\x1b[Kb", "\r\x1b[K"]);
  });

  it("prints at most one line per interval elsewhere, and nothing at the end", () => {
    let t = 10_000;
    const out: string[] = [];
    const status = createStatusLine({ write: (s) => out.push(s), tty: false, intervalMs: 5000, now: () => t });
    status("first");
    t = 12_000;
    status("too soon");
    t = 15_000;
    status("second");
    status("", true);
    expect(out).toEqual(["first\n", "second\n"]);
  });
});
