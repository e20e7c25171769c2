import { describe, expect, inject, it } from "vitest";
import { childEnv, startChild } from "../helpers/processes.ts";
import type { LoadSummary } from "../../src/load/index.ts";
import { sql } from "../../src/store/index.ts";
import { startPipeline } from "../helpers/index.ts";

/** Runs `playpulse load` as a user would: a process of its own, reading its exit code and output. */
async function playpulseLoad(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = startChild(
    "playpulse load",
    process.execPath,
    ["--import", "tsx", "src/cli/main.ts", "load", ...args],
    childEnv({}),
  );
  const code = await child.exited;
  return { code, stdout: child.stdout(), stderr: child.stderr() };
}

describe("playpulse load (smoke)", () => {
  it(
    "runs realistic traffic against a pipeline and verifies every accepted event in ClickHouse",
    { timeout: 120_000 },
    async () => {
      await using p = await startPipeline({ natsUrl: inject("natsUrl"), clickhouseUrl: inject("clickhouseUrl") });
      const r = await playpulseLoad([
        "--url",
        p.baseUrl,
        "--key",
        p.writeKey,
        "--read-key",
        p.readKey,
        "--rate",
        "400",
        "--batch",
        "10",
        "--duration",
        "3s",
        "--titles",
        "40",
        "--viewers",
        "100",
        "--freshness",
        "500ms",
        "--verify",
        "--clickhouse-url",
        inject("clickhouseUrl"),
        "--database",
        `pp_${p.ns}`,
        "--json",
        "--quiet",
      ]);
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      const s = JSON.parse(r.stdout) as LoadSummary;
      const rows = await p.store.select<{ n: string }>(sql`SELECT uniqExact(id) AS n FROM ${p.store.db}.events`);
      const inClickHouse = Number(rows[0]?.n);
      // Exact: what the edge accepted is what ClickHouse holds, no more, no less.
      expect(inClickHouse).toBe(s.events.distinct_accepted);
      expect(s.events).toEqual({
        sent: s.events.sent,
        accepted: s.events.sent,
        duplicates: 0,
        rejected: 0,
        unconfirmed: 0,
        distinct_accepted: s.events.sent,
      });
      expect(s.events.sent).toBeGreaterThan(0);
      expect(s.catalog).toEqual({ titles: 40, accepted: 40 });
      expect(s.verify).toMatchObject({
        ok: true,
        via: "clickhouse",
        ids: [
          { table: "events", expected: inClickHouse, found: inClickHouse, missing: 0, unexpected: 0, examples: [] },
          { table: "rec_events", expected: inClickHouse, found: inClickHouse, missing: 0, unexpected: 0, examples: [] },
          { table: "catalog", expected: 40, found: 40, missing: 0, unexpected: 0, examples: [] },
        ],
        titleDiffs: [],
      });
      expect(s.latency_ms.samples).toBe(s.requests.answered);
      expect(s.freshness_ms?.via).toBe("query-api");
      expect(s.freshness_ms?.timeouts).toBe(0);
      expect(s.freshness_ms?.samples).toBeGreaterThan(0);
    },
  );

  it(
    "verifies per-title aggregates through the query API when it has only a read key",
    { timeout: 120_000 },
    async () => {
      await using p = await startPipeline({ natsUrl: inject("natsUrl"), clickhouseUrl: inject("clickhouseUrl") });
      const r = await playpulseLoad([
        "--url",
        p.baseUrl,
        "--key",
        p.writeKey,
        "--read-key",
        p.readKey,
        "--concurrency",
        "4",
        "--batch",
        "20",
        "--events",
        "600",
        "--titles",
        "8",
        "--viewers",
        "40",
        "--freshness",
        "off",
        "--verify",
        "--json",
        "--quiet",
      ]);
      expect(r.code).toBe(0);
      const s = JSON.parse(r.stdout) as LoadSummary;
      expect(s.events.distinct_accepted).toBe(600);
      expect(s.verify).toMatchObject({
        ok: true,
        via: "query-api",
        ids: [],
        titleDiffs: [],
        notes: ["event ids not compared: that needs --clickhouse-url and --database"],
      });
      expect(s.verify?.titlesChecked).toBeGreaterThan(0);
    },
  );

  it("reports connection errors and exits 4 when nothing is accepted", { timeout: 60_000 }, async () => {
    const r = await playpulseLoad([
      "--url",
      "http://127.0.0.1:9",
      "--key",
      "k",
      "--events",
      "3",
      "--retries",
      "1",
      "--no-catalog",
      "--concurrency",
      "1",
      "--json",
      "--quiet",
    ]);
    expect(r.code).toBe(4);
    const s = JSON.parse(r.stdout) as LoadSummary;
    expect(s.events).toMatchObject({ sent: 3, accepted: 0, unconfirmed: 3, distinct_accepted: 0 });
    expect(s.errors).toEqual({ connect: 6 });
  });

  it("exits 3 and names the missing events when they never reach ClickHouse", { timeout: 120_000 }, async () => {
    // Ingest and query only: nothing consumes, so every accepted event is missing.
    await using p = await startPipeline({
      natsUrl: inject("natsUrl"),
      clickhouseUrl: inject("clickhouseUrl"),
      roles: ["ingest", "query"],
    });
    const r = await playpulseLoad([
      "--url",
      p.baseUrl,
      "--key",
      p.writeKey,
      "--concurrency",
      "2",
      "--events",
      "30",
      "--titles",
      "5",
      "--viewers",
      "10",
      "--no-catalog",
      "--freshness",
      "off",
      "--verify",
      "--verify-timeout",
      "1s",
      "--clickhouse-url",
      inject("clickhouseUrl"),
      "--database",
      `pp_${p.ns}`,
      "--json",
      "--quiet",
    ]);
    expect(r.code).toBe(3);
    const s = JSON.parse(r.stdout) as LoadSummary;
    expect(s.events.distinct_accepted).toBe(30);
    expect(s.verify?.ok).toBe(false);
    expect(s.verify?.ids.map((c) => [c.table, c.expected, c.found, c.missing])).toEqual([
      ["events", 30, 0, 30],
      ["rec_events", 30, 0, 30],
      ["catalog", 0, 0, 0],
    ]);
    expect(s.verify?.titleDiffs.length).toBeGreaterThan(0);
  });

  it("exits 1 with one line when a target refuses a key or the database, before or at the first answer", async () => {
    await using p = await startPipeline({
      natsUrl: inject("natsUrl"),
      clickhouseUrl: inject("clickhouseUrl"),
      roles: ["ingest", "query"],
    });
    const base = ["--url", p.baseUrl, "--events", "20", "--titles", "5", "--viewers", "5", "--quiet"];
    const runs = [
      await playpulseLoad([...base, "--key", "nope"]),
      await playpulseLoad([...base, "--key", p.writeKey, "--read-key", "nope", "--verify"]),
      await playpulseLoad([
        ...base,
        "--key",
        p.writeKey,
        "--verify",
        "--clickhouse-url",
        inject("clickhouseUrl"),
        "--database",
        "nosuchdb",
      ]),
    ];
    expect(runs.map((r) => ({ code: r.code, stdout: r.stdout, stderr: r.stderr }))).toEqual([
      {
        code: 1,
        stdout: "",
        stderr: `playpulse load: the edge at ${p.baseUrl} refused --key (401 unknown write key): pass a write key of the target (PLAYPULSE_WRITE_KEYS, or a PLAYPULSE_KEYS key with events:write)\n`,
      },
      {
        code: 1,
        stdout: "",
        stderr: `playpulse load: the query API at ${p.baseUrl} refused --read-key (401 unknown read key): pass a read key of the target (PLAYPULSE_READ_KEYS, or a PLAYPULSE_KEYS key with stats:read)\n`,
      },
      {
        code: 1,
        stdout: "",
        // The wording of the exception is ClickHouse's own.
        stderr: expect.stringMatching(
          /^playpulse load: ClickHouse answered 404: [^\n]*Database nosuchdb doesn't exist[^\n]* \(check --clickhouse-url and --database: the pipeline's CLICKHOUSE_URL and CLICKHOUSE_DATABASE\)\n$/,
        ) as unknown,
      },
    ]);
  });

  it.each([
    [["--rate", "10"], 2, /--key: a write key is required/],
    [
      ["--key", "k", "--read-key", "rk\n", "--verify"],
      2,
      /^playpulse load: --read-key: character 3 is a newline;[^\n]*\n[^\n]*\n$/,
    ],
    [
      ["--key", "k", "--verify", "--clickhouse-url", "127.0.0.1:8123", "--database", "pp"],
      2,
      /^playpulse load: --clickhouse-url: [^\n]*\n[^\n]*\n$/,
    ],
    [["--key", "k", "--verify"], 2, /--verify needs/],
    [["--key", "k", "--bogus"], 2, /Unknown option '--bogus'/],
  ])("rejects %j with exit code %i", async (args, code, message) => {
    const r = await playpulseLoad(args);
    expect(r.code).toBe(code);
    expect(r.stderr).toMatch(message);
  });

  it("explains itself with --help", async () => {
    const r = await playpulseLoad(["--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("usage: playpulse load --key WRITE_KEY [options]");
    expect(r.stdout).toContain("--verify");
  });
});
