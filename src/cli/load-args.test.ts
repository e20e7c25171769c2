import { describe, expect, it } from "vitest";
import { parseCount, parseDuration, parseLoadArgs } from "./load-args.ts";
import { UsageError } from "./usage.ts";

describe("parseLoadArgs", () => {
  it("has defaults that stop by themselves", () => {
    const o = parseLoadArgs(["--key", "wk", "--run-id", "r1"]);
    expect(o).toMatchObject({
      url: "http://127.0.0.1:8080",
      key: "wk",
      mode: { kind: "concurrency", workers: 32 },
      batch: 1,
      durationMs: 30_000,
      events: undefined,
      runId: "r1",
      verify: false,
      retries: 3,
      catalog: true,
      freshnessEveryMs: 1000,
    });
  });

  it("reads the open model, batches, counts and verification targets", () => {
    const o = parseLoadArgs([
      "--key",
      "wk",
      "--rate",
      "5k",
      "--batch",
      "100",
      "--events",
      "1m",
      "--verify",
      "--clickhouse-url",
      "http://ch:8123/",
      "--database",
      "pp_x",
      "--url",
      "http://10.0.0.1:9000/",
    ]);
    expect(o).toMatchObject({
      mode: { kind: "rate", eventsPerSecond: 5000 },
      batch: 100,
      events: 1_000_000,
      durationMs: undefined,
      verify: true,
      clickhouse: { url: "http://ch:8123", database: "pp_x" },
      url: "http://10.0.0.1:9000",
    });
  });

  it.each([
    [["--rate", "10"], /--key/],
    [["--key", "k", "--rate", "10", "--concurrency", "2"], /exclusive/],
    [["--key", "k", "--verify"], /--verify needs/],
    [["--key", "k", "--clickhouse-url", "http://x"], /go together/],
    [["--key", "k", "--database", "a-b", "--clickhouse-url", "http://x"], /--database/],
    [["--key", "k", "--duration", "soon"], /--duration/],
    [["--key", "k", "--batch", "0"], /--batch: must be at least 1/],
    [["--key", "k", "--url", "https://x/y"], /--url/],
    [["--key", "k", "--run-id", "a.b"], /--run-id/],
    [["--key", "k", "extra"], /unexpected argument/],
  ])("rejects %j", (args, message) => {
    expect(() => parseLoadArgs(args)).toThrow(message);
  });
});

/** The message parseLoadArgs throws for `args` (after --key wk unless args give their own). */
function refusal(args: string[]): string {
  try {
    parseLoadArgs(args.includes("--key") ? args : ["--key", "wk", ...args]);
    return "accepted";
  } catch (err: unknown) {
    return err instanceof UsageError ? err.message : `not a UsageError: ${String(err)}`;
  }
}

const VERIFY = ["--verify", "--database", "pp_x"];

describe("parseLoadArgs: keys and targets that could never work are usage errors (exit 2), never a crash", () => {
  it.each([
    [
      ["--key", "wk\nx"],
      "--key: character 3 is a newline; a key is printable ASCII without spaces (look for a stray newline or quote)",
    ],
    [
      ["--key", "wk\r"],
      "--key: character 3 is a carriage return; a key is printable ASCII without spaces (look for a stray newline or quote)",
    ],
    [
      ["--key", " wk"],
      "--key: character 1 is a space; a key is printable ASCII without spaces (look for a stray newline or quote)",
    ],
    [
      ["--key", "wk\t1"],
      "--key: character 3 is a tab; a key is printable ASCII without spaces (look for a stray newline or quote)",
    ],
    [
      ["--key", "wk\u0000"],
      "--key: character 3 is a control character (U+0000); a key is printable ASCII without spaces (look for a stray newline or quote)",
    ],
    [
      ["--key", "wk€"],
      '--key: character 3 is "€" (U+20AC); a key is printable ASCII without spaces (look for a stray newline or quote)',
    ],
    [
      ["--key", "wk_é"],
      '--key: character 4 is "é" (U+00E9); a key is printable ASCII without spaces (look for a stray newline or quote)',
    ],
    [["--key", ""], "--key: a write key is required (PLAYPULSE_WRITE_KEYS of the target)"],
    [["--key", "Bearer wk_1"], '--key: give the key alone, without "Bearer "'],
    [
      ["--key", `web events:write sha256:${"ab".repeat(32)}`],
      '--key: that is a PLAYPULSE_KEYS line (the key\'s hash); give the key itself, as "playpulse keys create" printed it',
    ],
    [["--read-key", ""], "--read-key: empty; give a read key (PLAYPULSE_READ_KEYS of the target), or leave it out"],
    [
      ["--read-key", "rk\nx", "--verify"],
      "--read-key: character 3 is a newline; a key is printable ASCII without spaces (look for a stray newline or quote)",
    ],
    [
      ["--read-key", "rk€", "--verify"],
      '--read-key: character 3 is "€" (U+20AC); a key is printable ASCII without spaces (look for a stray newline or quote)',
    ],
    [
      [...VERIFY, "--clickhouse-url", "127.0.0.1:8123"],
      '--clickhouse-url: expected ClickHouse\'s HTTP interface as http://host:port (e.g. http://127.0.0.1:8123), got "127.0.0.1:8123"',
    ],
    [
      [...VERIFY, "--clickhouse-url", "localhost:8123"],
      '--clickhouse-url: expected ClickHouse\'s HTTP interface as http://host:port (e.g. http://127.0.0.1:8123), got "localhost:8123"',
    ],
    [
      [...VERIFY, "--clickhouse-url", "ftp://ch"],
      '--clickhouse-url: expected ClickHouse\'s HTTP interface as http://host:port (e.g. http://127.0.0.1:8123), got "ftp://ch"',
    ],
    [
      [...VERIFY, "--clickhouse-url", ""],
      '--clickhouse-url: expected ClickHouse\'s HTTP interface as http://host:port (e.g. http://127.0.0.1:8123), got ""',
    ],
    [
      [...VERIFY, "--clickhouse-url", "http://a b"],
      '--clickhouse-url: expected ClickHouse\'s HTTP interface as http://host:port (e.g. http://127.0.0.1:8123), got "http://a b"',
    ],
    [
      [...VERIFY, "--clickhouse-url", "http://ch:99999"],
      '--clickhouse-url: expected ClickHouse\'s HTTP interface as http://host:port (e.g. http://127.0.0.1:8123), got "http://ch:99999"',
    ],
    [
      [...VERIFY, "--clickhouse-url", "http://ch:8123/?user=u"],
      '--clickhouse-url: expected ClickHouse\'s HTTP interface as http://host:port (e.g. http://127.0.0.1:8123), got "http://ch:8123/?user=u"',
    ],
    [
      [...VERIFY, "--clickhouse-url", "http://u:secret@ch:x"],
      '--clickhouse-url: expected ClickHouse\'s HTTP interface as http://host:port (e.g. http://127.0.0.1:8123), got "http://u:***@ch:x"',
    ],
    [["--verify", "--clickhouse-url", "http://ch:8123", "--database", ""], '--database: not a database name: ""'],
    [
      ["--url", "http://127.0.0.1:abc"],
      '--url: expected http://host:port (plain HTTP, no path), got "http://127.0.0.1:abc"',
    ],
    [
      ["--url", "http://127.0.0.1:99999"],
      '--url: expected http://host:port (plain HTTP, no path), got "http://127.0.0.1:99999"',
    ],
    [
      ["--url", "http://u:p@127.0.0.1:8080"],
      '--url: expected http://host:port (plain HTTP, no path), got "http://u:p@127.0.0.1:8080"',
    ],
    [
      ["--url", "http://127.0.0.1:8080?x"],
      '--url: expected http://host:port (plain HTTP, no path), got "http://127.0.0.1:8080?x"',
    ],
    [["--zipf", "abc"], '--zipf: expected a number of 0 or more like 1 or 0.8, got "abc"'],
    [["--zipf=-1"], '--zipf: expected a number of 0 or more like 1 or 0.8, got "-1"'],
    [["--verify-timeout", "0"], '--verify-timeout: must be positive, got "0"'],
  ])("%j", (args, message) => {
    expect(refusal(args)).toBe(message);
  });

  it("takes printable keys, ClickHouse over https with a user, and an exponent", () => {
    const o = parseLoadArgs([
      "--key",
      "wk_3f-A.b~!",
      "--read-key",
      "rk_1",
      ...VERIFY,
      "--clickhouse-url",
      "https://play:p%40ss@ch.example:8443/",
      "--zipf",
      "0.8",
    ]);
    expect([o.key, o.readKey, o.clickhouse, o.zipf]).toEqual([
      "wk_3f-A.b~!",
      "rk_1",
      { url: "https://play:p%40ss@ch.example:8443", database: "pp_x" },
      0.8,
    ]);
  });
});

describe("parseDuration and parseCount", () => {
  it.each([
    ["30s", 30_000],
    ["2m", 120_000],
    ["1500ms", 1500],
    ["1h", 3_600_000],
    ["5", 5000],
    ["0.5s", 500],
  ])("duration %s = %i ms", (raw, ms) => {
    expect(parseDuration(raw, "--d")).toBe(ms);
  });

  it.each([
    ["5000", 5000],
    ["10k", 10_000],
    ["1.5m", 1_500_000],
    ["10_000", 10_000],
  ])("count %s = %i", (raw, n) => {
    expect(parseCount(raw, "--n")).toBe(n);
  });
});
