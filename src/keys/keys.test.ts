import { describe, expect, it } from "vitest";
import { createKey } from "./create.ts";
import { sha256Hex } from "./entry.ts";
import { parseKeys } from "./parse.ts";

const h = (c: string) => `sha256:${c.repeat(64)}`;

describe("createKey", () => {
  it("prints a random key and the hash line of it", () => {
    const { key, line } = createKey("web", ["events:write"]);
    expect(key).toMatch(/^wk_[0-9a-f]{48}$/);
    expect(line).toBe(`web events:write sha256:${sha256Hex(key)}`);
    expect(createKey("web", ["events:write"]).key).not.toBe(key);
  });
  it("puts a publishable key's origins on its line", () => {
    const { key, line } = createKey("site", ["publishable"], ["https://a.example", "https://b.example"]);
    expect(key).toMatch(/^pk_/);
    expect(line).toBe(`site publishable sha256:${sha256Hex(key)} https://a.example|https://b.example`);
  });
});

describe("parseKeys", () => {
  it("reads lines and ;-separated entries, skipping comments", () => {
    const problems: string[] = [];
    const keys = parseKeys(
      `# keys\nweb events:write ${h("a")}\nweb events:write ${h("b")}; ops admin,stats:read ${h("c")}\nsite publishable ${h("d")} https://p.example`,
      problems,
    );
    expect(problems).toEqual([]);
    expect(keys.map((k) => [k.source, [...k.scopes], [...k.origins], k.hash.toString("hex")])).toEqual([
      ["web", ["events:write"], [], "a".repeat(64)],
      ["web", ["events:write"], [], "b".repeat(64)],
      ["ops", ["admin", "stats:read"], [], "c".repeat(64)],
      ["site", ["publishable"], ["https://p.example"], "d".repeat(64)],
    ]);
  });
  it.each([
    [
      `web events:write wk_plaintext`,
      'PLAYPULSE_KEYS entry 1: the third field must be sha256:<64 hex digits> (the hash line of "playpulse keys create"; never the key itself)',
    ],
    [
      `Web! events:write ${h("a")}`,
      'PLAYPULSE_KEYS entry 1: the source "Web!" must be 1-40 of a-z 0-9 _ . - (it labels logs and metrics)',
    ],
    [
      `web events:wrote ${h("a")}`,
      'PLAYPULSE_KEYS entry 1: unknown scope "events:wrote"; scopes are events:write, stats:read, admin, catalog, publishable',
    ],
    [
      `site publishable ${h("a")}`,
      "PLAYPULSE_KEYS entry 1: a publishable key needs its allowed origins, e.g. https://player.example",
    ],
    [
      `site publishable ${h("a")} https://p.example/path`,
      'PLAYPULSE_KEYS entry 1: "https://p.example/path" is not an origin such as https://site.example',
    ],
    [
      `site publishable,admin ${h("a")} https://p.example`,
      "PLAYPULSE_KEYS entry 1: a publishable key has no other scope (it may send play events only)",
    ],
    [`web events:write ${h("a")} https://p.example`, "PLAYPULSE_KEYS entry 1: only publishable keys take origins"],
    [
      `web events:write ${h("a")}\nweb events:write ${h("b")}\nweb events:write ${h("c")}`,
      "PLAYPULSE_KEYS: source web has 3 keys; at most 2 (the current and the next) live at once: remove the retired one",
    ],
    [
      `web events:write ${h("a")}\nios events:write ${h("a")}`,
      "PLAYPULSE_KEYS: the same key is listed twice (source ios)",
    ],
  ])("%j: %s", (raw, problem) => {
    const problems: string[] = [];
    parseKeys(raw, problems);
    expect(problems).toEqual([problem]);
  });
});
