import { describe, expect, it } from "vitest";
import { parseKeys } from "../keys/index.ts";
import { keyRing } from "../keys/ring.ts";
import { keysCommand } from "./keys.ts";

function run(args: string[]) {
  let out = "";
  let err = "";
  const code = keysCommand(
    args,
    (s) => (out += s),
    (s) => (err += s),
  );
  return { code, out, err };
}

describe("playpulse keys", () => {
  it("create prints the key once and a line that the config accepts and that finds the key", () => {
    const { code, out } = run(["create", "--source", "web", "--scopes", "events:write"]);
    expect(code).toBe(0);
    const [, key, , line] = out.split("\n").map((l) => l.trim());
    expect(key).toMatch(/^wk_[0-9a-f]{48}$/);
    expect(line).toMatch(/^web events:write sha256:[0-9a-f]{64}$/);
    expect(out.split(key ?? "-").length - 1).toBe(1);
    const problems: string[] = [];
    const found = keyRing(parseKeys(line ?? "", problems))(key ?? "");
    expect(problems).toEqual([]);
    expect([found?.source, [...(found?.scopes ?? [])]]).toEqual(["web", ["events:write"]]);
  });
  it("create a publishable key with its origins", () => {
    const { code, out } = run([
      "create",
      "--source",
      "site",
      "--scopes",
      "publishable",
      "--origins",
      "https://p.example",
    ]);
    expect(code).toBe(0);
    expect(out).toMatch(/site publishable sha256:[0-9a-f]{64} https:\/\/p\.example\n/);
  });
  it.each([
    [["create", "--scopes", "admin"], 'playpulse keys: --source must be 1-40 of a-z 0-9 _ . - (got "")'],
    [
      ["create", "--source", "web", "--scopes", "root"],
      "playpulse keys: --scopes needs one or more of events:write, stats:read, admin, catalog, publishable (unknown: root)",
    ],
    [
      ["create", "--source", "web", "--scopes", "publishable"],
      "playpulse keys: --origins goes with the publishable scope, and only with it",
    ],
    [["rotate"], 'playpulse keys: unknown subcommand "rotate"'],
  ])("%j fails with a reason", (args, message) => {
    const { code, err } = run(args);
    expect(code).toBe(2);
    expect(err.split("\n")[0]).toBe(message);
  });
  it("hash prints a key's sha256 (as sha256sum computes it)", () => {
    expect(run(["hash", "wk_1"]).out).toBe("sha256:bc563839bb0a150a516520ebcc6ece3b78958fc9bc4f8680ed93ee514207f09a\n");
  });
});
