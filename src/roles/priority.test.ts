import { spawnSync } from "node:child_process";
import { getPriority } from "node:os";
import { describe, expect, it } from "vitest";
import { atNice, WORKER_NICE } from "./priority.ts";

describe("atNice", () => {
  it("runs the command through nice -n, keeping its arguments", () => {
    expect(atNice({ command: "/usr/bin/node", args: ["main.js", "serve", "analytics"] }, 10, "/usr/bin/nice")).toEqual({
      command: "/usr/bin/nice",
      args: ["-n", "10", "/usr/bin/node", "main.js", "serve", "analytics"],
    });
  });

  it("leaves the command alone at nice 0, or without a nice binary", () => {
    const cmd = { command: "/usr/bin/node", args: ["main.js"] };
    expect(atNice(cmd, 0, "/usr/bin/nice")).toBe(cmd);
    expect(atNice(cmd, 10, null)).toBe(cmd);
  });

  it("gives every thread of the process the priority (a Node process reads its own)", () => {
    const script =
      'const fs=require("fs");const t=fs.readdirSync("/proc/self/task");' +
      'console.log(JSON.stringify({self:require("os").getPriority(),threads:t.map(i=>Number(fs.readFileSync(`/proc/self/task/${i}/stat`,"utf8").split(") ")[1].split(" ")[16]))}))';
    const { command, args } = atNice({ command: process.execPath, args: ["-e", script] }, WORKER_NICE);
    const out = spawnSync(command, args, { encoding: "utf8" });
    const seen = JSON.parse(out.stdout) as { self: number; threads: number[] };
    const expected = Math.min(19, getPriority() + WORKER_NICE); // nice adds to its parent's value
    expect(seen.self).toBe(expected);
    expect(seen.threads.length).toBeGreaterThan(1);
    expect(new Set(seen.threads)).toEqual(new Set([expected]));
  });
});
