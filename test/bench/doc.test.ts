import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BEGIN, END, writeReport } from "./doc.ts";
import { hotSpots } from "./profile.ts";

describe("writeReport", () => {
  it("replaces only the generated block", () => {
    const file = join(mkdtempSync(join(tmpdir(), "pp-doc-")), "b.md");
    writeFileSync(file, `# T\n\nintro\n\n${BEGIN}\nold\n${END}\n\n## Analysis\nkept\n`);
    writeReport(file, "new table");
    expect(readFileSync(file, "utf8")).toBe(`# T\n\nintro\n\n${BEGIN}\nnew table\n${END}\n\n## Analysis\nkept\n`);
  });

  it("creates the file, or appends the block when the markers are missing", () => {
    const dir = mkdtempSync(join(tmpdir(), "pp-doc-"));
    writeReport(join(dir, "new.md"), "t1");
    expect(readFileSync(join(dir, "new.md"), "utf8")).toBe(`# Benchmarks\n\n${BEGIN}\nt1\n${END}\n`);
    writeFileSync(join(dir, "old.md"), "# Old\n");
    writeReport(join(dir, "old.md"), "t2");
    expect(readFileSync(join(dir, "old.md"), "utf8")).toBe(`# Old\n\n${BEGIN}\nt2\n${END}\n`);
  });
});

describe("hotSpots", () => {
  it("sums self time per function across nodes, largest first", () => {
    const frame = (functionName: string, url: string, lineNumber: number) => ({ functionName, url, lineNumber });
    const spots = hotSpots({
      nodes: [
        { id: 1, callFrame: frame("(root)", "", -1), hitCount: 0 },
        { id: 2, callFrame: frame("parse", "file:///a/json.ts", 9), hitCount: 30 },
        { id: 3, callFrame: frame("parse", "file:///a/json.ts", 9), hitCount: 20 },
        { id: 4, callFrame: frame("", "file:///a/b.ts", 0), hitCount: 25 },
        { id: 5, callFrame: frame("(garbage collector)", "", -1), hitCount: 25 },
      ],
    });
    expect(spots).toEqual([
      { fn: "parse json.ts:10", selfPct: 50 },
      { fn: "(anonymous) b.ts:1", selfPct: 25 },
      { fn: "(garbage collector)", selfPct: 25 },
    ]);
  });
});
