import { describe, expect, it } from "vitest";
import { bytesText, change } from "./format.ts";

describe("dashboard formats", () => {
  it.each([
    [0, "0 B"],
    [1023, "1023 B"],
    [1024, "1.00 KiB"],
    [1536, "1.50 KiB"],
    [10 * 1024 * 1024, "10.0 MiB"],
    [5 * 1024 ** 3 + 512 * 1024 ** 2, "5.50 GiB"],
    [2 * 1024 ** 5, "2048.0 TiB"],
  ])("bytesText(%i) is %s", (v, text) => {
    expect(bytesText(v)).toBe(text);
  });

  it.each([
    ["failure_rate", 0.2, 0.1, { text: "▲ 100.0 % vs previous", tone: "worse" }],
    ["completion_rate", 0.2, 0.1, { text: "▲ 100.0 % vs previous", tone: "better" }],
    ["views", 10, 5, { text: "▲ 100.0 %", tone: "none" }],
    ["failure_rate", 0.1, 0.1, { text: "no change", tone: "same" }],
    ["failure_rate", 0.1, null, { text: "no previous value", tone: "none" }],
  ] as const)("change(%s, %s, %s)", (metric, now, before, expected) => {
    expect(change(metric, now, before)).toEqual(expected);
  });
});
