import { describe, expect, it } from "vitest";
import type { Store } from "./client.ts";
import { clusterForm, ClusterFormError } from "./cluster.ts";
import { ensureCcvTables } from "./ccv-tables.ts";
import { migrate, MIGRATIONS } from "./migrations.ts";
import { ident, render, type Sql } from "./sql.ts";

/** Every statement `migrate` and `ensureCcvTables` send on a fresh database, in order. */
async function sentStatements(): Promise<string[]> {
  const sent: string[] = [];
  const store: Store = {
    db: ident("playpulse"),
    select: <T>(q: Sql) => {
      const text = render(q, "inline").query;
      return Promise.resolve((text.startsWith("EXISTS") ? [{ result: 0 }] : []) as T[]);
    },
    command: (q: Sql) => {
      sent.push(render(q, "inline").query);
      return Promise.resolve();
    },
    insert: () => Promise.resolve(),
    ping: () => Promise.resolve(true),
    serverVersion: () => Promise.resolve("24.8"),
    close: () => Promise.resolve(),
  };
  await migrate(store);
  await ensureCcvTables(store, 25);
  return sent;
}

const squash = (s: string) => s.replace(/\s+/g, " ").trim();

describe("clusterForm over every migration", async () => {
  const statements = await sentStatements();

  it("sees every migration's statements", () => {
    const perMigration = MIGRATIONS.reduce((n, m) => n + m.statements(ident("playpulse")).length, 0);
    // CREATE DATABASE, schema_migrations, the migrations, then ensureCcvTables' two DROPs of the
    // retired per-window presence table and its view.
    expect(statements).toHaveLength(2 + perMigration + 2);
  });

  it.each(statements.map((s) => [squash(s).slice(0, 70), s] as const))("%s…", (_, statement) => {
    const out = clusterForm(statement, "playpulse");
    if (/^\s*(INSERT|SELECT)\b/i.test(statement)) {
      expect(out).toBe(statement);
      return;
    }
    // Schema changes run on every replica, exactly once each.
    expect(out.match(/ON CLUSTER playpulse/g)).toHaveLength(1);
    // No unreplicated MergeTree is left; each replicated table has its own Keeper path.
    expect(out).not.toMatch(/ENGINE\s*=\s*(?!Replicated)\w*MergeTree/i);
    const engines = [
      ...out.matchAll(/ENGINE = Replicated(\w*)MergeTree\('\/clickhouse\/tables\/\{shard\}\/([\w.]+)', '\{replica\}'/g),
    ];
    expect(engines).toHaveLength((statement.match(/MergeTree/g) ?? []).length);
    const created = /^\s*CREATE TABLE IF NOT EXISTS ([\w.]+)/i.exec(statement)?.[1];
    for (const [, , path] of engines) expect(path).toBe(created);
    // Apart from those two edits the statement is the same text.
    const back = out
      .replace(" ON CLUSTER playpulse", "")
      .replace(/Replicated(\w*MergeTree)\('[^']*', '\{replica\}'(, )?/g, "$1(");
    expect(squash(back)).toBe(squash(statement));
  });
});

describe("clusterForm", () => {
  it.each([
    ["CREATE DATABASE IF NOT EXISTS playpulse", "CREATE DATABASE IF NOT EXISTS playpulse ON CLUSTER c1"],
    [
      "CREATE TABLE IF NOT EXISTS pp.catalog (v UInt64) ENGINE = ReplacingMergeTree(v) ORDER BY v",
      "CREATE TABLE IF NOT EXISTS pp.catalog ON CLUSTER c1 (v UInt64) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/pp.catalog', '{replica}', v) ORDER BY v",
    ],
    [
      "CREATE TABLE IF NOT EXISTS pp.t (v UInt64) ENGINE = MergeTree() ORDER BY v",
      "CREATE TABLE IF NOT EXISTS pp.t ON CLUSTER c1 (v UInt64) ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/pp.t', '{replica}') ORDER BY v",
    ],
    ["ALTER TABLE pp.t ADD COLUMN x UInt8", "ALTER TABLE pp.t ON CLUSTER c1 ADD COLUMN x UInt8"],
    [
      "CREATE MATERIALIZED VIEW IF NOT EXISTS pp.mv TO pp.t AS SELECT 1",
      "CREATE MATERIALIZED VIEW IF NOT EXISTS pp.mv ON CLUSTER c1 TO pp.t AS SELECT 1",
    ],
    ["DROP TABLE IF EXISTS pp.t", "DROP TABLE IF EXISTS pp.t ON CLUSTER c1"],
    ["INSERT INTO pp.t SELECT 1", "INSERT INTO pp.t SELECT 1"],
  ])("%s", (input, expected) => {
    expect(clusterForm(input, "c1")).toBe(expected);
  });

  it.each([
    "CREATE TABLE pp.t (v UInt8) ENGINE = MergeTree() ORDER BY v",
    "RENAME TABLE pp.a TO pp.b",
    "CREATE DATABASE IF NOT EXISTS pp ON CLUSTER other",
  ])("refuses a schema change it has no rule for: %s", (statement) => {
    expect(() => clusterForm(statement, "c1")).toThrow(ClusterFormError);
  });

  it("refuses a cluster name that is not an identifier", () => {
    expect(() => clusterForm("CREATE DATABASE IF NOT EXISTS pp", "a b")).toThrow(ClusterFormError);
  });
});
